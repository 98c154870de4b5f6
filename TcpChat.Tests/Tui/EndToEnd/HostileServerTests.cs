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
}
