using System.Net.Sockets;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task FiftyConcurrentSendersEveryMemberSeesTheSameOrder()
    {
        const int clients = 50, perClient = 20, total = clients * perClient;
        await using var server = await InProcessServer.StartAsync();
        var members = new List<TestClient>();
        for (int i = 0; i < clients; i++) members.Add(await server.RegisterAsync($"user{i}"));
        // Everyone is in: the last one's JOIN has reached the first.
        await members[0].ExpectAsync($"JOIN #lobby user{clients - 1}");

        await Task.WhenAll(members.Select((m, i) => Task.Run(() =>
        {
            for (int k = 0; k < perClient; k++) m.Send($"SEND #lobby :{i}/{k}\n");
        })));

        var sequences = await Task.WhenAll(members.Select(async m =>
        {
            var seen = new List<string>();
            while (seen.Count < total)
            {
                var msg = await m.ExpectAsync("MSG #lobby");
                seen.Add($"{msg.Arg(2)} {msg.Arg(1)} {msg.Text}");
            }
            return seen;
        }));

        var first = sequences[0];
        Assert.Equal(Enumerable.Range(1, total).Select(i => i.ToString()), first.Select(s => s.Split(' ')[0]));
        foreach (var sequence in sequences) Assert.Equal(first, sequence);
        // Each sender's own messages keep the order it sent them in.
        for (int i = 0; i < clients; i++)
        {
            var mine = first.Where(s => s.Split(' ')[1] == $"user{i}").Select(s => s.Split(' ')[2]).ToList();
            Assert.Equal(Enumerable.Range(0, perClient).Select(k => $"{i}/{k}"), mine);
        }
        foreach (var m in members) await m.DisposeAsync();
    }

    [Fact]
    public async Task ClientThatNeverReadsIsDisconnectedAsSlowConsumerWhileOthersKeepReceiving()
    {
        await using var server = await InProcessServer.StartAsync("--outbox-bytes", "65536", "--max-payload", "16384");
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");

        // A raw socket that registers and then never reads again.
        using var stuck = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stuck.ConnectAsync("127.0.0.1", server.Port);
        stuck.Send("NICK stuck\n"u8);
        await alice.ExpectAsync("JOIN #lobby stuck");

        string text = new('x', 4000);
        int sent = 0;
        bool Quit() => bob.Seen.Any(f => f.ToString() == "QUIT stuck :slow consumer");
        while (!Quit() && sent < 25_000) // 100 MB at most: far more than any socket buffer
        {
            for (int k = 0; k < 8; k++) alice.Send($"SEND #lobby :{text}\n");
            sent += 8; // 32 KB a batch, and the readers catch up before the next: under their 64 KB bound
            await alice.ExpectAsync(f => f.Verb == Verb.Msg && f.Arg(2) == sent.ToString(), $"echo of {sent}");
            await bob.ExpectAsync(f => f.Verb == Verb.Msg && f.Arg(2) == sent.ToString(), $"message {sent}");
        }
        Assert.True(Quit(), "the stuck client was never disconnected");

        // The others got every message, in order, and the room goes on.
        alice.Send("SEND #lobby :after\n");
        await bob.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == "after", "after");
        var ids = bob.Seen.Where(f => f.Verb == Verb.Msg && f.Text != "after").Select(f => long.Parse(f.Arg(2))).ToList();
        Assert.Equal(Enumerable.Range(1, sent).Select(i => (long)i), ids);
    }
}
