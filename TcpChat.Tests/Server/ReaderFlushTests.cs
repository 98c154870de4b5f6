using System.Net.Sockets;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

/// <summary>
/// Small rooms' messages are written by the sender's reader (Chat/ReaderFlush.cs), not by each receiver's writer loop:
/// the order, a receiver that stops reading, and the hand-over to the writer loop must be as with the loops alone.
/// </summary>
public sealed class ReaderFlushTests
{
    [Fact]
    public async Task SmallRoomsWithConcurrentSendersEveryMemberSeesItsRoomInOneOrder()
    {
        const int rooms = 4, size = 8, perClient = 25, total = size * perClient;
        await using var server = await InProcessServer.StartAsync("--no-history");
        var members = new List<(TestClient Client, int Room)>();
        for (int r = 0; r < rooms; r++)
        {
            for (int i = 0; i < size; i++)
            {
                var client = await server.RegisterAsync($"u{r}x{i}");
                client.Send($"JOIN #room{r}\n");
                await client.ExpectAsync($"NAMES #room{r}");
                members.Add((client, r));
            }
        }
        // Everyone is in: each room's last member's JOIN has reached its first.
        for (int r = 0; r < rooms; r++) await members[r * size].Client.ExpectAsync($"JOIN #room{r} u{r}x{size - 1}");

        await Task.WhenAll(members.Select((m, i) => Task.Run(() =>
        {
            for (int k = 0; k < perClient; k++) m.Client.Send($"SEND #room{m.Room} :{i}/{k}\n");
        })));

        var sequences = await Task.WhenAll(members.Select(async m =>
        {
            var seen = new List<string>();
            while (seen.Count < total)
            {
                var msg = await m.Client.ExpectAsync($"MSG #room{m.Room}");
                seen.Add($"{msg.Arg(2)} {msg.Arg(1)} {msg.Text}");
            }
            return (m.Room, Seen: seen);
        }));

        foreach (var room in sequences.GroupBy(s => s.Room))
        {
            var first = room.First().Seen;
            foreach (var (_, seen) in room) Assert.Equal(first, seen);
            // Each sender's own messages keep the order it sent them in.
            foreach (var sender in first.GroupBy(s => s.Split(' ')[1]))
            {
                var mine = sender.Select(s => int.Parse(s.Split(' ')[2].Split('/')[1])).ToList();
                Assert.Equal(Enumerable.Range(0, perClient), mine);
            }
        }
        foreach (var m in members) await m.Client.DisposeAsync();
    }

    [Fact]
    public async Task BigRoomAtAModerateRateIsWrittenByTheSendersReaderInOrder()
    {
        // More members than ReaderFlush.MaxInline (32). While a sender keeps its reader busy they are woken through the
        // thread pool; here each read takes all the sender sent (one message, then everyone's copy awaited), so the
        // reader writes their queues itself. STATS counts those writes: none for these messages before this rule.
        const int members = 40, messages = 20;
        await using var server = await InProcessServer.StartAsync("--no-history");
        var clients = new List<TestClient>();
        for (int i = 0; i < members; i++)
        {
            var client = await server.RegisterAsync($"João{i}");
            client.Send("JOIN #sala\n");
            await client.ExpectAsync("NAMES #sala");
            clients.Add(client);
        }
        var sender = clients[0];
        await sender.ExpectAsync($"JOIN #sala João{members - 1}");
        long before = await ReaderWritesAsync(sender);

        for (int k = 0; k < messages; k++)
        {
            string text = $"olá 漢字 👍 {k}";
            sender.Send($"SEND #sala :{text}\n");
            foreach (var client in clients) // the echo included; in order, since each skips only frames of other kinds
                Assert.Equal(text, (await client.ExpectAsync("MSG #sala João0")).Text);
        }

        long written = await ReaderWritesAsync(sender) - before;
        // A slow machine may pass the reader's time budget, and a writer loop not yet parked again is left to itself, so
        // not every one of the 800 deliveries need be the reader's: at least one per message (before this rule: none).
        Assert.True(written >= messages, $"reader_writes went up by {written}: fewer than one per message");
        foreach (var client in clients) await client.DisposeAsync();
    }

    private static async Task<long> ReaderWritesAsync(TestClient client)
    {
        client.Send("STATS\n");
        string stats = (await client.ExpectAsync("STATS").ConfigureAwait(false)).Text!;
        return long.Parse(stats.Split('\n').Single(l => l.StartsWith("reader_writes ", StringComparison.Ordinal)).Split(' ')[1]);
    }

    [Fact]
    public async Task ReceiverWhoseSocketFillsGetsEveryMessageInOrderOnceItReads()
    {
        // Outboxes far above what is sent: the receiver is not cut, its socket's buffers fill and the flush waits.
        const int messages = 2_500; // 10 MB: past the send buffer of a loopback socket (4 MB at most by default)
        await using var server = await InProcessServer.StartAsync("--no-history", "--outbox-bytes", "33554432",
            "--max-payload", "16384");
        await using var alice = await server.RegisterAsync("alice");
        using var stuck = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stuck.ConnectAsync("127.0.0.1", server.Port);
        stuck.Send("NICK stuck\n"u8);
        await alice.ExpectAsync("JOIN #lobby stuck");

        string text = new('x', 4000);
        for (int sent = 0; sent < messages; sent += 50)
        {
            for (int k = 0; k < 50; k++) alice.Send($"SEND #lobby :{text}\n");
            await alice.ExpectAsync(f => f.Verb == Verb.Msg && f.Arg(2) == (sent + 50).ToString(), $"echo of {sent + 50}");
        }

        using var reader = new StreamReader(new NetworkStream(stuck));
        var ids = new List<long>();
        while (ids.Count < messages)
        {
            string line = await reader.ReadLineAsync().WaitAsync(TestClient.Timeout)
                ?? throw new Xunit.Sdk.XunitException($"closed after {ids.Count} messages");
            if (line.StartsWith("MSG #lobby alice ", StringComparison.Ordinal)) ids.Add(long.Parse(line.Split(' ')[3]));
        }
        Assert.Equal(Enumerable.Range(1, messages).Select(i => (long)i), ids);
    }
}
