using System.Net;
using System.Net.Sockets;
using System.Text;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Tui.EndToEnd;

/// <summary>
/// Our server refuses control characters, but a client may meet another server, or a broken one: whatever arrives,
/// the client must never let it reach the terminal raw.
/// </summary>
public sealed class HostileServerTests
{
    [Fact]
    public async Task EscapeSequencesFromTheNetworkAreShownAsPlaceholdersAndTheScreenStaysIntact()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var tmux = await TmuxSession.StartAsync(TmuxSession.ClientCommand("--host", "127.0.0.1", "--port", port.ToString(), "--nick", "ana"));
        using var socket = await listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(60));

        string evil = "\u001b[2J\u001b[H\u001b]0;pwned\u0007\u009b31mred\r\u0000 end \u202Eesrever";
        var frames = new StringBuilder();
        frames.Append("HELLO tcpchat/1 evil max_line=4096 max_payload=65536 ping=60\n");
        frames.Append("NICK * ana\nJOIN #lobby ana\nNAMES #lobby 10\nana mallet\n");
        int length = Encoding.UTF8.GetByteCount(evil);
        frames.Append($"MSG #lobby mallet 1 2026-11-21T10:00:00.000Z {length}\n{evil}\n");
        await socket.SendAsync(Encoding.UTF8.GetBytes(frames.ToString()));

        string screen = await tmux.WaitForTextAsync("mallet: ");
        var rows = screen.Split('\n');
        Assert.Contains("| ana | connected | #lobby", rows[0]);           // the status line was not cleared
        Assert.Contains(rows, r => r.StartsWith("1:server 2:#lobby"));   // nor the room bar
        string line = rows.Single(r => r.Contains("mallet: "));
        Assert.Contains("^[[2J", line);
        Assert.Contains("end", line);
        Assert.NotEqual("pwned", await tmux.DisplayAsync("#{pane_title}"));
    }

    [Fact]
    public async Task BidiControlsZeroWidthCharactersAndUrlsCannotHideReorderOrSmuggleLinks()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string dir = Directory.CreateTempSubdirectory("tcpchat-hostile-").FullName;
        string ready = Path.Combine(dir, "ready"), output = Path.Combine(dir, "output");
        try
        {
            // The client starts only once everything it writes is being recorded.
            string command = $"while [ ! -e {TmuxSession.Quote(ready)} ]; do sleep 0.1; done; exec "
                + TmuxSession.ClientCommand("--host", "127.0.0.1", "--port", port.ToString(), "--nick", "ana");
            await using var tmux = await TmuxSession.StartAsync(command);
            await tmux.PipeOutputAsync(output);
            await File.WriteAllTextAsync(ready, "");
            using var socket = await listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(60));

            // The pane is 100 - 20 = 80 columns; "HH:mm mallet: " takes 14, so this URL ends on the pane's last column,
            // right before the user list.
            string edgeUrl = "https://example.org/" + new string('a', 80 - 14 - 20);
            string[] messages =
            [
                "pay \u202Egnp.exe\u202C now",
                "\u2066isolated\u2069 \u200Fmark",
                "in\u200Bvisible jo\u200Dined word\u2060joiner \uFEFFbom",
                "see https://good.example/\u202E@evil.example/ ok",
                edgeUrl,
            ];
            var frames = new StringBuilder();
            frames.Append("HELLO tcpchat/1 evil max_line=4096 max_payload=65536 ping=60\n");
            frames.Append("NICK * ana\nJOIN #lobby ana\nNAMES #lobby 10\nana mallet\n");
            int id = 1;
            foreach (string m in messages)
                frames.Append($"MSG #lobby mallet {id++} 2026-11-21T10:00:00.000Z {Encoding.UTF8.GetByteCount(m)}\n{m}\n");
            await socket.SendAsync(Encoding.UTF8.GetBytes(frames.ToString()));

            string screen = await tmux.WaitForTextAsync("mallet: https://example.org/");
            Assert.Contains("pay <U+202E>gnp.exe<U+202C> now", screen);
            Assert.Contains("<U+2066>isolated<U+2069> <U+200F>mark", screen);
            Assert.Contains("in<U+200B>visible jo<U+200D>ined word<U+2060>joiner <U+FEFF>bom", screen);
            Assert.Contains("see https://good.example/<U+202E>@evil.example/ ok", screen);

            // What reached the terminal: no bidi or invisible character at all, and every hyperlink (OSC 8) the
            // toolkit made points exactly where its visible text says, no further (not into the user list).
            string written = await File.ReadAllTextAsync(output);
            foreach (char c in "\u202E\u202C\u2066\u2069\u200F\u200B\u200D\u2060\uFEFF")
                Assert.DoesNotContain(c.ToString(), written, StringComparison.Ordinal);
            var links = System.Text.RegularExpressions.Regex.Matches(written, "\u001b]8;[^;\u0007\u001b]*;([^\u0007\u001b]+)(?:\u0007|\u001b\\\\)(.*?)\u001b]8;;");
            foreach (System.Text.RegularExpressions.Match link in links)
            {
                string target = link.Groups[1].Value;
                string visible = System.Text.RegularExpressions.Regex.Replace(link.Groups[2].Value, "\u001b\\[[0-9;?]*[A-Za-z]", "");
                Assert.Equal(visible, target);
                Assert.DoesNotContain("│", target);
                Assert.DoesNotContain("evil.example", target);
            }
            var targets = links.Select(l => l.Groups[1].Value).ToList();
            Assert.Contains(edgeUrl, targets); // linked whole, and only itself
            Assert.Contains("https://good.example/", targets); // cut at the placeholder, where the visible URL ends
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("KEEP_HOSTILE") is null) Directory.Delete(dir, recursive: true);
        }
    }
}
