using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using static TcpChat.Tests.Cluster.ClusterNode;

namespace TcpChat.Tests.Cluster;

/// <summary>
/// Users on different TcpChat nodes of one engine (a real nats-server with JetStream, or a cluster of three with 3
/// replicas) chat as on one server: rooms, order, private messages, NAMES, nicks, accounts and history are the same
/// from every node.
/// </summary>
public sealed class ClusterChatTests
{
    [Theory]
    [InlineData(1)] // one nats-server
    [InlineData(3)] // three, everything in 3 replicas
    public async Task TwentySendersOnThreeNodesAreSeenInOneOrderByEveryMember(int servers)
    {
        await using var engine = await TestEngine.StartAsync(servers);
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var c = await StartAsync(engine, "c");
        var nodes = new[] { a, b, c };
        string[] nicks = [.. Enumerable.Range(0, 20).Select(i => (i % 4) switch { 0 => $"João{i}", 1 => $"美咲{i}", 2 => $"Conceição{i}", _ => $"bob{i}" })];
        var users = new List<TestClient>();
        try
        {
            for (int i = 0; i < nicks.Length; i++)
            {
                var user = await UserAsync(nodes[i % 3], nicks[i]);
                users.Add(user);
                user.Send("JOIN #café\n");
                await user.ExpectAsync("HISTORY #café");
            }
            foreach (var user in users.SkipLast(1)) await user.ExpectAsync($"JOIN #café {nicks[^1]}"); // the last one saw it before its HISTORY

            // Twenty senders on three nodes at once: every member, on every node, sees the same messages in one order.
            const int each = 5;
            for (int n = 0; n < each; n++)
                for (int i = 0; i < users.Count; i++)
                    users[i].Send($"SEND #café :{nicks[i]} olá {n}\n");
            int total = each * users.Count;
            foreach (var user in users)
                while (Messages(user, "#café").Count < total)
                    await user.ExpectAsync(f => f.Verb == Verb.Msg, $"the {total} messages", TimeSpan.FromSeconds(60));
            var order = Messages(users[0], "#café");
            Assert.Equal(total, order.Count);
            foreach (var user in users) Assert.Equal(order, Messages(user, "#café"));
            // Each sender's own messages keep its order, and ids (the stream's sequence) strictly increase.
            for (int i = 0; i < users.Count; i++)
                Assert.Equal(Enumerable.Range(0, each).Select(n => $"{nicks[i]} olá {n}"),
                    order.Where(m => m.Split(' ')[1] == nicks[i]).Select(m => m.Split(' ', 3)[2]));
            var ids = order.Select(m => long.Parse(m.Split(' ')[0])).ToList();
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(ids.Count, ids.Distinct().Count());

            // HISTORY pages the same from every node.
            var pages = new List<string>();
            foreach (var user in new[] { users[0], users[1], users[2] })
            {
                user.Send($"HISTORY #café before={ids[^10]} limit=7\n");
                await user.ExpectAsync("HISTORY #café 7");
                var page = new List<string>();
                for (int k = 0; k < 7; k++) page.Add((await user.ExpectAsync("MSG #café")).ToString());
                pages.Add(string.Join('\n', page));
            }
            Assert.Equal(pages[0], pages[1]);
            Assert.Equal(pages[0], pages[2]);
        }
        finally
        {
            foreach (var user in users) await user.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1)] // one nats-server
    [InlineData(3)] // three, everything in 3 replicas
    public async Task PrivateMessageCrossesNodesWithTheSameFrameForBothSides(int servers)
    {
        await using var engine = await TestEngine.StartAsync(servers);
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var alice = await UserAsync(a, "alice");
        await using var conceição = await UserAsync(b, "Conceição");

        alice.Send("SEND CONCEIÇÃO :psst, só para ti 👍🏽\n");
        var received = await conceição.ExpectAsync("MSG Conceição alice");
        var echo = await alice.ExpectAsync("MSG Conceição alice");
        Assert.Equal("psst, só para ti 👍🏽", received.Text);
        Assert.Equal(received.ToString(), echo.ToString());

        alice.Send("SEND nobody :hello?\n");
        Assert.StartsWith("ERR NO_SUCH_NICK SEND", (await alice.ExpectAsync("ERR")).ToString());
    }

    [Theory]
    [InlineData(1)] // one nats-server
    [InlineData(3)] // three, everything in 3 replicas
    public async Task NamesAreTheSameFromEveryNodeAndJoinsAndPartsCross(int servers)
    {
        await using var engine = await TestEngine.StartAsync(servers);
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var alice = await UserAsync(a, "alice");
        await using var bob = await UserAsync(b, "bob");
        await using var dave = await UserAsync(b, "dave");
        await alice.ExpectAsync("JOIN #lobby dave");

        alice.Send("NAMES #lobby\n");
        bob.Send("NAMES #lobby\n");
        Assert.Equal("NAMES #lobby :alice bob dave", (await alice.ExpectAsync("NAMES #lobby :alice bob")).ToString());
        Assert.Equal("NAMES #lobby :alice bob dave", (await bob.ExpectAsync("NAMES #lobby :alice bob")).ToString());

        dave.Send("PART #lobby :bye all\n");
        Assert.Equal("PART #lobby dave :bye all", (await alice.ExpectAsync("PART #lobby dave")).ToString());
        await dave.ExpectAsync("PART #lobby dave");
        bob.Send("QUIT :lunch\n");
        Assert.Equal("QUIT bob :lunch", (await alice.ExpectAsync("QUIT bob")).ToString());
        alice.Send("NAMES #lobby\n");
        Assert.Equal("NAMES #lobby :alice", (await alice.ExpectAsync("NAMES #lobby")).ToString());
    }

    [Theory]
    [InlineData(1)] // one nats-server
    [InlineData(3)] // three, everything in 3 replicas
    public async Task NickHeldOnAnotherNodeIsRefusedWhateverItsCase(int servers)
    {
        await using var engine = await TestEngine.StartAsync(servers);
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var joão = await UserAsync(a, "João");
        await using var other = await TestClient.ConnectAsync(b.Port);
        other.Send("NICK JOÃO\n");
        Assert.Equal("ERR NICK_IN_USE NICK :JOÃO is taken", (await other.ExpectAsync("ERR")).ToString());

        // Once its holder leaves, the nick is free on every node.
        joão.Send("QUIT\n");
        await joão.ExpectClosedAsync();
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); ; )
        {
            other.Send("NICK JOÃO\n");
            var answer = await other.ExpectAsync(f => f.Verb is Verb.Nick or Verb.Err, "NICK or ERR");
            if (answer.Verb == Verb.Nick) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the nick was never freed");
        }
    }

    [Theory]
    [InlineData(1)] // one nats-server
    [InlineData(3)] // three, everything in 3 replicas
    public async Task ANickRaceAcrossNodesHasExactlyOneWinner(int servers)
    {
        await using var engine = await TestEngine.StartAsync(servers);
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        var clients = new List<TestClient>();
        try
        {
            for (int i = 0; i < 10; i++) clients.Add(await TestClient.ConnectAsync((i % 2 == 0 ? a : b).Port));
            foreach (var client in clients) client.Send("NICK racer\n");
            var answers = await Task.WhenAll(clients.Select(c => c.ExpectAsync(f => f.Verb is Verb.Nick or Verb.Err, "NICK or ERR")));
            Assert.Single(answers, f => f.Verb == Verb.Nick);
            Assert.All(answers.Where(f => f.Verb == Verb.Err), f => Assert.StartsWith("ERR NICK_IN_USE", f.ToString()));
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1)] // one nats-server
    [InlineData(3)] // three, everything in 3 replicas
    public async Task HistoryIsTheSameFromTheOtherNodeAndPagesBackwards(int servers)
    {
        await using var engine = await TestEngine.StartAsync(servers);
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var alice = await UserAsync(a, "alice");
        alice.Send("JOIN #rust\n");
        await alice.ExpectAsync("HISTORY #rust 0");
        for (int i = 1; i <= 5; i++) alice.Send($"SEND #rust :message {i}\n");
        await alice.ExpectAsync("MSG #rust alice");
        while (Messages(alice, "#rust").Count < 5) await alice.ExpectAsync(f => f.Verb == Verb.Msg, "5 messages");
        var live = Messages(alice, "#rust");

        await using var bob = await UserAsync(b, "bob");
        bob.Send("JOIN #rust\n");
        await bob.ExpectAsync("HISTORY #rust 5");
        while (Messages(bob, "#rust").Count < 5) await bob.ExpectAsync(f => f.Verb == Verb.Msg, "the page");
        Assert.Equal(live, Messages(bob, "#rust"));

        // Paging: the two before the 4th message, from either node.
        string fourth = live[3].Split(' ')[0];
        bob.Send($"HISTORY #rust before={fourth} limit=2\n");
        await bob.ExpectAsync("HISTORY #rust 2");
        var first = await bob.ExpectAsync("MSG");
        var second = await bob.ExpectAsync("MSG");
        Assert.Equal([live[1], live[2]], new[] { first, second }.Select(f => $"{f.Arg(2)} {f.Arg(1)} {f.Text}"));

        alice.Send("SEND bob :a private word\n");
        await bob.ExpectAsync("MSG bob alice");
        bob.Send("HISTORY alice\n");
        await bob.ExpectAsync("HISTORY alice 1");
        Assert.Equal("a private word", (await bob.ExpectAsync("MSG bob alice")).Text);
    }

    [Theory]
    [InlineData(1)] // one nats-server
    [InlineData(3)] // three, everything in 3 replicas
    public async Task ARegisteredNickIsProtectedOnAnotherNode(int servers)
    {
        await using var engine = await TestEngine.StartAsync(servers);
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using (var alice = await UserAsync(a, "alice"))
        {
            alice.Send("REGISTER correct-horse\n");
            await alice.ExpectAsync("REGISTER alice");
            alice.Send("QUIT\n");
            await alice.ExpectClosedAsync();
        }
        await using var intruder = await TestClient.ConnectAsync(b.Port);
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); ; )
        {
            intruder.Send("NICK Alice\n");
            var answer = await intruder.ExpectAsync("ERR");
            if (answer.ToString().StartsWith("ERR NICK_REGISTERED", StringComparison.Ordinal)) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"never refused as registered: {answer}"); // the QUIT may still hold it
        }
        intruder.Send("NICK alice correct-horse\n");
        await intruder.ExpectAsync("NICK * alice");
    }

    [Fact]
    public async Task StatsShowTheEngine()
    {
        await using var engine = await NatsServer.StartAsync();
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var client = await TestClient.ConnectAsync(a.Port);
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); ; )
        {
            client.Send("STATS\n");
            string stats = (await client.ExpectAsync("STATS")).Text!;
            Assert.Contains("cluster_engine_connected 1", stats);
            Assert.Contains("cluster_node a", stats);
            Assert.Contains("cluster_pending_publishes 0", stats);
            Assert.Contains("cluster_last_error ", stats);
            if (stats.Contains("cluster_nodes_seen 2", StringComparison.Ordinal)) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), stats);
            await Task.Delay(200); // a heartbeat is due every second: this is a poll with a deadline, not a synchronisation
        }
    }
}
