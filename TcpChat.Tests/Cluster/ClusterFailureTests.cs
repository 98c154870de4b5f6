using System.Diagnostics;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using static TcpChat.Tests.Cluster.ClusterNode;

namespace TcpChat.Tests.Cluster;

/// <summary>A node killed, the engine stopped and started again: what users see, and that the cluster heals by itself.</summary>
public sealed class ClusterFailureTests
{
    [Fact]
    public async Task AKilledNodesUsersQuitWithNodeLostWithinTenSecondsAndTheirNicksAreFree()
    {
        await using var engine = await NatsServer.StartAsync();
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var alice = await UserAsync(a, "alice");
        await using var bob = await UserAsync(b, "bob");
        await using var carol = await UserAsync(a, "carol");
        bob.Send("JOIN #café\n");
        alice.Send("JOIN #café\n");
        await alice.ExpectAsync("HISTORY #café");
        bob.Send("SEND #café :before the crash\n");
        await alice.ExpectAsync("MSG #café bob");

        b.Signal(9);
        var clock = Stopwatch.StartNew();
        // Once per user, though alice shared two rooms with bob.
        Assert.Equal("QUIT bob :node lost", (await alice.ExpectAsync("QUIT bob", TimeSpan.FromSeconds(10))).ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"QUIT after {clock.Elapsed}");
        await carol.ExpectAsync("QUIT bob");
        alice.Send("NAMES #café\n");
        Assert.Equal("NAMES #café :alice", (await alice.ExpectAsync("NAMES #café")).ToString());

        // Nothing lost for the others: the room goes on, and bob's nick can be taken at once.
        alice.Send("SEND #café :after the crash\n");
        await alice.ExpectAsync("MSG #café alice");
        await using var newBob = await UserAsync(a, "bob");
        Assert.Single(alice.Seen, f => f.ToString() == "QUIT bob :node lost");
    }

    [Fact]
    public async Task ANodeTakenForLostWhileFrozenClosesItsUsersWhenItWakesAndTakesNobodyElseForLost()
    {
        await using var engine = await NatsServer.StartAsync();
        await using var a = await StartAsync(engine, "a");
        await using var b = await StartAsync(engine, "b");
        await using var alice = await UserAsync(a, "alice");
        await using var bob = await UserAsync(b, "bob");
        bob.Send("JOIN #café\n");
        await bob.ExpectAsync("HISTORY #café");
        alice.Send("JOIN #café\n");
        await bob.ExpectAsync("JOIN #café alice");

        b.Signal(19); // SIGSTOP: node b stops beating, as in a long pause; its sockets stay open
        try
        {
            Assert.Equal("QUIT bob :node lost", (await alice.ExpectAsync("QUIT bob", TimeSpan.FromSeconds(30))).ToString());
            await using var newBob = await UserAsync(a, "bob"); // the nick is free for the others
        }
        finally
        {
            b.Signal(18); // SIGCONT
        }

        // Awake, node b learns that the others took it for lost: bob must not stay on, present in no room.
        Assert.Equal("ERR SHUTDOWN * :the cluster took this node for lost: reconnect, to another node if you can",
            (await bob.ExpectAsync("ERR", TimeSpan.FromSeconds(30))).ToString());
        await bob.ExpectAsync("BYE");

        // And b, whose view of the others is as old as its pause, took none of them for lost.
        await using var carol = await UserAsync(b, "carol");
        carol.Send("JOIN #café\n");
        Assert.Equal("NAMES #café :alice carol", (await carol.ExpectAsync("NAMES #café")).ToString());
        alice.Send("SEND #café :still here\n");
        await carol.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == "still here", "alice's message");
        Assert.DoesNotContain(alice.Seen, f => f.Verb is Verb.Err or Verb.Bye);
    }

    [Fact]
    public async Task WithTheEngineDownAMessageIsRefusedAndItWorksAgainWhenTheEngineIsBack()
    {
        await using var engine = await NatsServer.StartAsync();
        await using var a = await StartAsync(engine, "a", "--engine-timeout", "600");
        await using var alice = await UserAsync(a, "alice");

        engine.Kill();
        for (var clock = Stopwatch.StartNew(); ; )
        {
            // Refused, never queued: once the node knows the engine is gone, at once ("not sent"); a message sent just
            // before it knew waits for an answer that never comes (Cluster:PublishTimeoutSeconds), and is "not confirmed".
            alice.Send("SEND #lobby :is anyone there?\n");
            var answer = await alice.ExpectAsync(f => f.Verb is Verb.Err or Verb.Msg, "ERR or MSG", TimeSpan.FromSeconds(30));
            if (answer.Verb == Verb.Err && answer.ToString().StartsWith("ERR UNAVAILABLE SEND :not sent: the cluster engine is not connected", StringComparison.Ordinal))
                break;
            if (answer.Verb == Verb.Err)
                Assert.StartsWith("ERR UNAVAILABLE SEND :not confirmed, it may still be delivered: the cluster engine did not answer in 15 s", answer.ToString());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "never refused");
        }

        await engine.RestartAsync();
        for (var clock = Stopwatch.StartNew(); ; )
        {
            alice.Send("SEND #lobby :back?\n");
            // An "is anyone there?" stored just before the engine died may be delivered now: not the answer sought.
            var answer = await alice.ExpectAsync(f => f.Verb is Verb.Err || (f.Verb == Verb.Msg && f.Text == "back?"), "ERR or MSG back?");
            if (answer.Verb == Verb.Msg)
                break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "never recovered: " + a.Log);
            await Task.Delay(200); // one try each 200 ms until the deadline: a poll, not a synchronisation
        }
        Assert.Contains("Cluster engine lost", a.Log);
    }

    [Fact]
    public async Task ANodeCutOffFromTheEngineClosesItsSessionsAndTakesUsersAgainWhenItIsBack()
    {
        await using var engine = await NatsServer.StartAsync();
        await using var a = await StartAsync(engine, "a", "--engine-timeout", "2");
        await using var alice = await UserAsync(a, "alice");

        engine.Kill();
        var last = await alice.ExpectClosedAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("ERR SHUTDOWN * :this node lost the cluster engine", last[^2].ToString());
        Assert.StartsWith("BYE :this node lost the cluster engine", last[^1].ToString());

        await using (var early = await TestClient.ConnectAsync(a.Port))
        {
            early.Send("NICK alice\n");
            Assert.StartsWith("ERR UNAVAILABLE NICK", (await early.ExpectAsync("ERR")).ToString());
        }

        await engine.RestartAsync();
        for (var clock = Stopwatch.StartNew(); ; )
        {
            await using var again = await TestClient.ConnectAsync(a.Port);
            again.Send("NICK alice\n");
            var answer = await again.ExpectAsync(f => f.Verb is Verb.Err or Verb.Nick, "NICK or ERR");
            if (answer.Verb == Verb.Nick)
            {
                again.Send("SEND #lobby :I am back\n");
                await again.ExpectAsync("MSG #lobby alice");
                break;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"never took users again: {answer}\n{a.Log}");
            await Task.Delay(200); // one try each 200 ms until the deadline: a poll, not a synchronisation
        }
    }

    [Theory]
    [InlineData("--cluster-replicas", "2", "Replicas must be 1 or 3")]
    [InlineData("--node-name", "bad name!", "NodeName must be 1-64 letters")]
    [InlineData("--node-timeout", "0.5", "NodeTimeoutSeconds must be at least twice HeartbeatSeconds")]
    public async Task BadClusterSettingIsOneClearLine(string flag, string value, string expected)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll");
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [dll, "--port", "0", "--bind", "127.0.0.1", "--cluster", "nats://127.0.0.1:1", flag, value], TimeSpan.FromMinutes(1));
        Assert.Equal(2, code);
        Assert.Contains(expected, stdout + stderr);
    }

    [Fact]
    public async Task AnEngineThatCannotBeReachedStopsTheStartWithOneLine()
    {
        await using var engine = await NatsServer.StartAsync();
        string url = engine.Url;
        engine.Kill();
        string dll = Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll");
        var (code, _, stderr) = await Run.CommandAsync("dotnet",
            [dll, "--port", "0", "--bind", "127.0.0.1", "--no-history", "--cluster", url], TimeSpan.FromMinutes(1));
        Assert.Equal(1, code);
        Assert.Contains($"cluster engine {url} cannot be used", stderr);
    }
}
