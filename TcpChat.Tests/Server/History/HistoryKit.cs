using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.History;

/// <summary>Reading history the way a client does: a HISTORY header, then exactly that many MSG frames.</summary>
internal static class HistoryKit
{
    /// <summary>
    /// Waits for the next <c>HISTORY &lt;target&gt;</c> header and returns the MSG frames announced by it, which must be the
    /// very next frames.
    /// </summary>
    public static async Task<List<Received>> ReadPageAsync(this TestClient client, string target)
    {
        var header = await client.ExpectAsync(f => f.Verb == Verb.Err || (f.Verb == Verb.History && f.Arg(0) == target), $"HISTORY {target}");
        Assert.Equal($"HISTORY {target}", $"{header.Verb.ToWire()} {header.Arg(0)}");
        int count = int.Parse(header.Arg(1));
        var page = new List<Received>();
        for (int i = 0; i < count; i++)
        {
            var frame = await client.NextAsync();
            Assert.True(frame.Verb == Verb.Msg, $"frame {i + 1} of the {count} announced is not a MSG: {frame}");
            page.Add(frame);
        }
        return page;
    }

    /// <summary>Sends <paramref name="request"/> (a HISTORY line) and reads its answer.</summary>
    public static Task<List<Received>> HistoryAsync(this TestClient client, string request, string target)
    {
        client.Send(request + "\n");
        return client.ReadPageAsync(target);
    }

    /// <summary>Connects, registers, and reads the default room's page; returns the client and that page.</summary>
    public static async Task<(TestClient Client, List<Received> Lobby)> RegisterAsync(int port, string nick)
    {
        var client = await TestClient.ConnectAsync(port);
        await client.ExpectAsync("HELLO");
        client.Send($"NICK {nick}\n");
        await client.ExpectAsync("NAMES #lobby");
        return (client, await client.ReadPageAsync("#lobby"));
    }

    /// <summary>Sends each text to <paramref name="target"/> (length form) and waits for the echo of the last one.</summary>
    public static async Task SayAsync(this TestClient client, string target, params string[] texts)
    {
        foreach (string text in texts) client.Send($"SEND {target} {System.Text.Encoding.UTF8.GetByteCount(text)}\n{text}\n");
        string last = texts[^1];
        await client.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == last, $"echo of '{(last.Length > 20 ? last[..20] + "..." : last)}'");
    }

    public static long Id(this Received msg) => long.Parse(msg.Arg(2));

    public static IEnumerable<long> Ids(this IEnumerable<Received> msgs) => msgs.Select(Id);

    public static IEnumerable<string?> Texts(this IEnumerable<Received> msgs) => msgs.Select(m => m.Text);
}
