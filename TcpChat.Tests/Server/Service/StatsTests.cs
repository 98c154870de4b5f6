using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Service;

/// <summary>STATS: the server's counters as text, for an operator with netcat on the box.</summary>
public sealed class StatsTests
{
    private static Dictionary<string, long> Parse(string text) =>
        text.Split('\n').Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1]));

    [Fact]
    public async Task StatsFromLoopbackNeedsNoNickAndCountsWhatHappened()
    {
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
        foreach (string name in new[] { "slow_consumers", "stale_connections", "protocol_errors", "outbox_bytes", "outbox_max_bytes", "uptime_seconds",
                     "refused_connections", "registration_timeouts", "foreign_protocols", "rate_limited", "fake_lag", "password_failures", "write_timeouts" })
            Assert.True(stats.ContainsKey(name), name);
        Assert.True(stats["rss_bytes"] > stats["managed_committed_bytes"] / 2, "rss_bytes is the process's resident memory");
        Assert.True(stats["thread_pool_threads"] > 0);
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
