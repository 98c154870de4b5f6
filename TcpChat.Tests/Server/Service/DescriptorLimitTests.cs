using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Service;

/// <summary>
/// The server with fewer open files allowed than connections asked for (issue 16): it used to run out of descriptors,
/// stop its accept loop, close everyone and exit 0 (or abort). Now it caps connections at what the limit holds,
/// refuses the rest like any connection past MaxConnections, and the chat goes on.
/// </summary>
public sealed class DescriptorLimitTests
{
    private static readonly string[] Prlimit300 = ["prlimit", "--nofile=300:300"];

    [Fact]
    public async Task SixHundredConnectionsUnderAThreeHundredFileLimitLeaveTheServerUpAndTheChatGoingOn()
    {
        await using var server = await ServerProcess.StartAsync(Prlimit300, new Dictionary<string, string>(), "--no-history");
        await server.WaitForLogAsync("holding at most"); // logged just after "Listening on", which StartAsync waits for
        Assert.Matches(@"warn: .*MaxConnections is 20000 but the open-file limit is 300 \(hard 300; \d+ open, 64 reserved\): holding at most \d+ connections", server.Log);

        await using var alice = await TestClient.ConnectAsync(server.Port);
        await using var bob = await TestClient.ConnectAsync(server.Port);
        await Register(alice, "alice");
        await Register(bob, "bob");

        var flood = new List<TestClient>();
        try
        {
            var connecting = Enumerable.Range(0, 600).Select(_ => TestClient.ConnectAsync(server.Port)).ToList();
            // Mid-flood, the registered users join a room and talk.
            // One after the other: sent together, bob's JOIN may come first, and alice would see him in NAMES instead.
            alice.Send("JOIN #mid\n");
            await alice.ExpectAsync("HISTORY #mid");
            bob.Send("JOIN #mid\n");
            await alice.ExpectAsync("JOIN #mid bob");
            alice.Send("SEND #mid :still here, João?\n");
            await bob.ExpectAsync(f => f.Text == "still here, João?", "alice's message");

            flood.AddRange(await Task.WhenAll(connecting));
            var answers = await Task.WhenAll(flood.Select(c =>
                c.ExpectAsync(f => f.ToString().StartsWith("HELLO", StringComparison.Ordinal) || f.ToString().StartsWith("ERR SERVER_FULL", StringComparison.Ordinal),
                    "HELLO or ERR SERVER_FULL", TimeSpan.FromSeconds(60))));
            int held = answers.Count(a => a.ToString().StartsWith("HELLO", StringComparison.Ordinal));
            var refused = answers.Where(a => a.ToString().StartsWith("ERR SERVER_FULL", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(refused);
            Assert.Contains("the open-file limit", refused[0].ToString());
            Assert.InRange(held, 1, 300);

            bob.Send("SEND #mid :sim, Conceição 👍🏽\n");
            await alice.ExpectAsync(f => f.Text == "sim, Conceição 👍🏽", "bob's answer during the flood");
            alice.Send("STATS\n");
            var stats = await alice.ExpectAsync("STATS");
            long capacity = Stat(stats.Text!, "connection_capacity");
            Assert.InRange(capacity, held - 2, 299); // alice and bob hold two of the places
        }
        finally
        {
            foreach (var c in flood) await c.DisposeAsync();
        }

        // Once the excess has gone, a newcomer gets in (the server may still be closing the last of it: try again; each
        // try waits for the server's answer, HELLO or ERR SERVER_FULL, so the loop is paced by the server).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TestClient carol;
        while (true)
        {
            carol = await TestClient.ConnectAsync(server.Port);
            var first = await carol.NextAsync(TimeSpan.FromSeconds(30));
            if (first.Verb == TcpChat.Protocol.Verb.Hello) break;
            await carol.DisposeAsync();
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"no place for a newcomer after the flood closed: {first}");
        }
        await using (carol)
        {
            carol.Send("NICK carol\n");
            await carol.ExpectAsync("NICK * carol");
            carol.Send("JOIN #mid\n");
            await alice.ExpectAsync("JOIN #mid carol");
        }
        Assert.False(server.HasExited);
    }

    private static async Task Register(TestClient client, string nick)
    {
        await client.ExpectAsync("HELLO");
        client.Send($"NICK {nick}\n");
        await client.ExpectAsync($"NICK * {nick}");
    }

    private static long Stat(string stats, string name) =>
        long.Parse(stats.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1]);
}
