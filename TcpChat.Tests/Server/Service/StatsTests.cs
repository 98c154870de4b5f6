using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Service;

/// <summary>STATS: the server's counters as text, for an operator with netcat on the box.</summary>
public sealed class StatsTests
{
    private static Dictionary<string, long> Parse(string text) =>
        text.Split('\n').Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1]));

    /// <summary>The counters of things that go wrong: none of them happen unless a test makes them.</summary>
    private static readonly string[] Defences =
    [
        "slow_consumers", "stale_connections", "protocol_errors", "refused_connections", "registration_timeouts", "foreign_protocols",
        "rate_limited", "fake_lag", "password_failures", "write_timeouts",
    ];

    private static async Task<Dictionary<string, long>> StatsAsync(InProcessServer server)
    {
        await using var operatorClient = await server.ConnectAsync();
        operatorClient.Send("STATS\n");
        return Parse((await operatorClient.ExpectAsync("STATS")).Text!);
    }

    [Fact]
    public async Task StatsFromLoopbackNeedsNoNickAndCountsWhatHappened()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        alice.Send("SEND #lobby :hello\n");
        await bob.ExpectAsync("MSG");

        await using var operatorClient = await server.ConnectAsync();
        operatorClient.Send("STATS\n");
        var stats = Parse((await operatorClient.ExpectAsync("STATS")).Text!);
        Assert.Equal(3, stats["connections"]);
        Assert.Equal(3, stats["connections_total"]);
        Assert.Equal(1, stats["rooms"]);
        Assert.True(stats["frames_in"] >= 3); // two NICKs and a SEND at least
        Assert.True(stats["bytes_in"] >= "NICK alice\nNICK bob\nSEND #lobby :hello\n".Length);
        Assert.True(stats["frames_out"] > 0);
        Assert.Equal(Defences.ToDictionary(n => n, _ => 0L), Defences.ToDictionary(n => n, n => stats[n])); // nothing went wrong
        Assert.InRange(stats["uptime_seconds"], 0, (long)clock.Elapsed.TotalSeconds + 1);
        Assert.InRange(stats["outbox_max_bytes"], 0, stats["outbox_bytes"]); // the fullest outbox is one of them
        Assert.True(stats["rss_bytes"] > stats["managed_committed_bytes"] / 2, "rss_bytes is the process's resident memory");
        Assert.True(stats["thread_pool_threads"] > 0);
    }

    [Fact]
    public async Task StatsCountsExactlyTheDefencesThatFired()
    {
        await using var server = await InProcessServer.StartAsync("--max-connections-per-address", "3", "--max-password-failures", "1",
            "--password-failure-delay", "0", "--registration-timeout", "600");
        await using (var alice = await server.RegisterAsync("alice"))
        {
            alice.Send("REGISTER a-long-password\nFOO bar\n"); // an unknown verb: one protocol error, the session goes on
            await alice.ExpectAsync("REGISTER alice");
            Assert.StartsWith("ERR UNKNOWN_VERB FOO :", (await alice.ExpectAsync("ERR")).ToString());
        }
        // alice's nick is free only once the server has seen her go (else the guesser below hears NICK_IN_USE).
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice gone");

        // One wrong password: a password failure, and (with --max-password-failures 1) a close for it.
        await using (var guesser = await server.ConnectAsync())
        {
            guesser.Send("NICK alice not-the-password\n");
            Assert.StartsWith("ERR RATE_LIMITED NICK", (await guesser.ExpectClosedAsync())[^2].ToString());
        }
        // An HTTP request: a foreign protocol.
        await using (var browser = await server.ConnectAsync())
        {
            browser.Send("GET / HTTP/1.1\r\nHost: chat\r\n\r\n");
            await browser.ExpectClosedAsync();
        }
        // A fourth connection from one address: refused.
        var held = new List<TestClient>();
        for (int i = 0; i < 3; i++) held.Add(await TestClient.ConnectAsync(server.Port, from: "127.0.0.9"));
        foreach (var c in held) await c.ExpectAsync("HELLO");
        await using (var fourth = await TestClient.ConnectAsync(server.Port, from: "127.0.0.9"))
        {
            Assert.StartsWith("ERR TOO_MANY_CONNECTIONS", (await fourth.ExpectClosedAsync())[^2].ToString());
        }

        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 3, "only the three held to be left");
        var stats = await StatsAsync(server);
        var expected = Defences.ToDictionary(n => n, _ => 0L);
        expected["protocol_errors"] = 1;
        expected["password_failures"] = 1;
        expected["rate_limited"] = 1;
        expected["foreign_protocols"] = 1;
        expected["refused_connections"] = 1;
        Assert.Equal(expected, Defences.ToDictionary(n => n, n => stats[n]));
        Assert.Equal(4, stats["connections"]); // the three held and the operator's
        foreach (var c in held) await c.DisposeAsync();
    }

    [Fact]
    public async Task StatsIsRefusedFromAnAddressNotAllowed()
    {
        await using var server = await InProcessServer.StartAsync("--stats-allowed-from", "127.0.0.2");
        await using var outsider = await TestClient.ConnectAsync(server.Port, from: "127.0.0.1");
        outsider.Send("STATS\n");
        Assert.Equal("ERR NOT_ALLOWED STATS :STATS is allowed from 127.0.0.2 only", (await outsider.ExpectAsync("ERR")).ToString());

        await using var insider = await TestClient.ConnectAsync(server.Port, from: "127.0.0.2");
        insider.Send("STATS\n");
        Assert.StartsWith("uptime_seconds ", (await insider.ExpectAsync("STATS")).Text);
    }

    [Fact]
    public async Task StatsCountsTheDefencesThatFired()
    {
        await using var server = await InProcessServer.StartAsync();
        await using (var browser = await server.ConnectAsync())
        {
            browser.Send("GET / HTTP/1.1\r\nHost: chat\r\n\r\n");
            await browser.ExpectAsync("ERR");
        }
        await using var operatorClient = await server.ConnectAsync();
        operatorClient.Send("STATS\n");
        var stats = Parse((await operatorClient.ExpectAsync("STATS")).Text!);
        Assert.Equal(1, stats["foreign_protocols"]);
        Assert.Equal(0, stats["rate_limited"]);
    }

    [Fact]
    public async Task StatsOverNetcatWorksOnTheBox()
    {
        await using var server = await ServerProcess.StartAsync();
        var (code, stdout, stderr) = await Run.CommandAsync("bash", ["-c", $"printf 'STATS\\nQUIT\\n' | nc -q 5 127.0.0.1 {server.Port}"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("\nconnections 1\n", stdout);
    }

    [Fact]
    public async Task BadStatsAddressRuleIsRefusedAtStart()
    {
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll"), "--stats-allowed-from", "the office"]);
        Assert.Equal(2, code);
        Assert.Contains("StatsAllowedFrom: 'the office' is not loopback, any, an address or a network", stdout + stderr);
    }
}
