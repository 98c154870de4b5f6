using TcpChat.Server.Chat;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server;

/// <summary>
/// Chat:OutboxTotalBytes: the outboxes together have a budget; past it the connections holding the most are cut as
/// slow consumers, biggest first, and everyone else keeps chatting.
/// </summary>
public sealed class OutboxBudgetTests
{
    private const int Budget = 1024 * 1024;
    private static readonly string Text = new('x', 16_000);

    [Fact]
    public async Task PastTheBudgetTheBiggestHolderIsCutFirstAndTheOthersKeepChatting()
    {
        await using var server = await InProcessServer.StartAsync("--default-room", "", "--max-payload", "16384",
            "--outbox-bytes", Budget.ToString(), "--outbox-total-bytes", Budget.ToString(), "--history-on-join", "0",
            // Only the budget may cut here: not the write deadline, however slowly a loaded machine runs the test.
            "--write-timeout", "3600");
        var hub = server.Hub();
        // Two raw sockets that register, join, and never read again, behind small receive buffers: their outboxes fill.
        using var hog = await NeverReadingAsync(server.Port, "hog", "#b");
        using var lag = await NeverReadingAsync(server.Port, "lag", "#a");
        await using var talker = await JoinAsync(await server.ConnectAsync(), "talker", "#a", "#b");
        await using var reader = await JoinAsync(await server.ConnectAsync(), "reader", "#a");
        Session Held(string nick) => hub.Sessions.Single(s => s.Nick == nick);
        await ServerInsight.WaitUntilAsync(() => hub.Sessions.Count(s => s.Rooms.Count == 1 && s.Nick is "hog" or "lag") == 2,
            "the two silent readers to be in their rooms");

        // The hog gets #b's messages until it holds about 900 KB: under its own bound and under the budget, and far more
        // than the lagging reader will hold when the two together pass the budget.
        await SendUntilAsync(talker, "#b", () => Held("hog").OutboxBytes >= 900_000, () => "the hog to hold 900 KB");
        Assert.Equal(0, hub.Metrics.SlowConsumers.Total);

        // Then #a's messages, which the lagging reader holds too, until the two together pass the budget.
        Session hogSession = Held("hog"), lagSession = Held("lag");
        await SendUntilAsync(talker, "#a", () => hub.Metrics.BudgetCuts.Total > 0,
            () => $"a cut (then: hog {hogSession.OutboxBytes} closing {hogSession.IsClosing}, lag {lagSession.OutboxBytes} closing {lagSession.IsClosing}, " +
            $"budget total {hub.OutboxBudget.Total}, slow consumers {hub.Metrics.SlowConsumers.Total})");
        Assert.True(hogSession.IsClosing, $"the biggest holder is cut (hog {hogSession.OutboxBytes}, lag {lagSession.OutboxBytes})");
        Assert.False(lagSession.IsClosing, "the smaller holder is not");
        Assert.Equal(1, hub.Metrics.BudgetCuts.Total);
        Assert.Equal(1, hub.Metrics.SlowConsumers.Total);

        // The others keep chatting; and the budget is freed once the hog is gone.
        talker.Send("SEND #a :after the cut\n");
        Assert.Equal("after the cut", (await reader.ExpectAsync(f => f.Text == "after the cut", "the message after the cut")).Text);
        await ServerInsight.WaitUntilAsync(() => hub.Sessions.All(s => s.Nick != "hog"), "the hog to be gone");
        await ServerInsight.WaitUntilAsync(() => hub.OutboxBudget.Total < Budget / 2, "the hog's bytes to leave the budget",
            () => $"budget total {hub.OutboxBudget.Total}");
        Assert.False(lagSession.IsClosing, $"the smaller holder is still not cut; slow consumers {hub.Metrics.SlowConsumers.Total}, " +
            $"budget cuts {hub.Metrics.BudgetCuts.Total}, its outbox {lagSession.OutboxBytes}");
        reader.Send("STATS\n");
        var stats = (await reader.ExpectAsync("STATS")).Text!;
        Assert.Contains("\noutbox_budget_cuts 1\n", stats);
    }

    private static async Task<System.Net.Sockets.Socket> NeverReadingAsync(int port, string nick, string room)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
        {
            ReceiveBufferSize = 4096,
        };
        await socket.ConnectAsync("127.0.0.1", port);
        socket.Send(System.Text.Encoding.UTF8.GetBytes($"NICK {nick}\nJOIN {room}\n"));
        return socket;
    }

    private static async Task<TestClient> JoinAsync(TestClient client, string nick, params string[] rooms)
    {
        await client.ExpectAsync("HELLO");
        client.Send($"NICK {nick}\n");
        await client.ExpectAsync("NICK * ");
        foreach (string room in rooms)
        {
            client.Send($"JOIN {room}\n");
            await client.ExpectAsync($"NAMES {room}");
        }
        return client;
    }

    /// <summary>Sends 16 KB messages to <paramref name="room"/>, each after the echo of the last, until <paramref name="done"/>.</summary>
    private static async Task SendUntilAsync(TestClient talker, string room, Func<bool> done, Func<string> what)
    {
        for (int i = 0; i < 5_000 && !done(); i++)
        {
            talker.Send($"SEND {room} {Text.Length}\n{Text}\n");
            await talker.ExpectAsync($"MSG {room} talker");
        }
        Assert.True(done(), $"5,000 messages and still no {what()}");
    }
}
