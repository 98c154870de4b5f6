using System.Diagnostics;
using TcpChat.Protocol;
using TcpChat.Server.Security;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Security;

/// <summary>
/// Flood control (docs/PROTOCOL.md, "Flood control"): a burst goes through at once, then frames are held back to the
/// steady rate (the server stops reading: fake lag), and a connection held back without a break for too long is closed
/// with ERR RATE_LIMITED. PING and PONG are free.
/// </summary>
public sealed class FloodControlTests
{
    // ---- The bucket itself, on a clock the test sets ----

    [Fact]
    public void BurstGoesThroughAtOnceThenOneFramePerInterval()
    {
        var gate = new FloodGate(burst: 3, perSecond: 10, maxLagSeconds: 60);
        Assert.Equal([0, 0, 0, 100, 200, 300], Enumerable.Range(0, 6).Select(_ => gate.Charge(1000).Wait.TotalMilliseconds));
    }

    [Fact]
    public void BucketRefillsAtTheSteadyRateUpToTheBurst()
    {
        var gate = new FloodGate(burst: 3, perSecond: 10, maxLagSeconds: 60);
        for (int i = 0; i < 3; i++) Assert.Equal(TimeSpan.Zero, gate.Charge(0).Wait);
        Assert.Equal(TimeSpan.Zero, gate.Charge(100).Wait); // one token back after 100 ms
        Assert.Equal(100, gate.Charge(100).Wait.TotalMilliseconds);
        // Long idle: the bucket is full again, but holds no more than the burst.
        for (int i = 0; i < 3; i++) Assert.Equal(TimeSpan.Zero, gate.Charge(60_000).Wait);
        Assert.Equal(100, gate.Charge(60_000).Wait.TotalMilliseconds);
    }

    [Fact]
    public void PingAndPongCostNothingAndPasswordsCostMore()
    {
        var gate = new FloodGate(burst: 5, perSecond: 1, maxLagSeconds: 60);
        for (int i = 0; i < 1000; i++) Assert.Equal(TimeSpan.Zero, gate.Charge(0, cost: 0).Wait);
        Assert.Equal(TimeSpan.Zero, gate.Charge(0, cost: SessionGuard.PasswordFrameCost).Wait); // the whole burst
        Assert.Equal(1000, gate.Charge(0).Wait.TotalMilliseconds);
        Assert.Equal(0, SessionGuard.CostOf(new Frame(Verb.Ping, [], default, false)));
        Assert.Equal(0, SessionGuard.CostOf(new Frame(Verb.Pong, ["1"], default, false)));
        Assert.Equal(1, SessionGuard.CostOf(new Frame(Verb.Nick, ["alice"], default, false)));
        Assert.Equal(SessionGuard.PasswordFrameCost, SessionGuard.CostOf(new Frame(Verb.Nick, ["alice", "secret-password"], default, false)));
        Assert.Equal(SessionGuard.PasswordFrameCost, SessionGuard.CostOf(new Frame(Verb.Register, ["secret-password"], default, false)));
    }

    [Fact]
    public void LagWithoutABreakLongerThanTheMaximumIsAFloodAndABreakForgivesIt()
    {
        var gate = new FloodGate(burst: 1, perSecond: 10, maxLagSeconds: 1);
        long now = 0;
        Assert.Equal(TimeSpan.Zero, gate.Charge(now).Wait);
        // The reader loop waits out each lag before it parses the next frame, which is already there.
        for (int i = 0; i < 9; i++)
        {
            var verdict = gate.Charge(now);
            Assert.False(verdict.Flooding, $"frame {i}");
            now += (long)verdict.Wait.TotalMilliseconds;
        }
        Assert.Equal(900, now);
        Assert.False(gate.Charge(now).Flooding); // would be handled at 1000 ms: exactly the maximum lag
        Assert.True(gate.Charge(1000).Flooding); // 1100 ms of lag without a break

        var patient = new FloodGate(burst: 1, perSecond: 10, maxLagSeconds: 1);
        now = 0;
        for (int i = 0; i < 100; i++)
        {
            var verdict = patient.Charge(now);
            Assert.False(verdict.Flooding, $"frame {i}");
            now += (long)verdict.Wait.TotalMilliseconds + (i % 5 == 4 ? 200 : 0); // a pause now and then: lag forgiven
        }
    }

    [Fact]
    public void WaitsThatOvershootOnALoadedMachineDoNotHideAFlood()
    {
        // The reader loop wakes up 250 ms late from every wait: the next frame then finds a token back and passes at
        // once, which is no break, since it was there all along; only the client having nothing to send is.
        var gate = new FloodGate(burst: 20, perSecond: 5, maxLagSeconds: 20);
        long now = 0;
        for (int i = 0; i < 20; i++) Assert.Equal(TimeSpan.Zero, gate.Charge(now).Wait);
        FloodGate.Verdict verdict;
        while (!(verdict = gate.Charge(now)).Flooding)
        {
            if (verdict.Wait > TimeSpan.Zero)
            {
                now += (long)verdict.Wait.TotalMilliseconds + 250;
                gate.Resumed(now);
            }
            Assert.True(now < 30_000, "the flood was never noticed");
        }
        Assert.InRange(now, 19_000, 21_000);

        // A client that stops for a moment now and then, having sent no more than the rate allows, is no flooder.
        var pausing = new FloodGate(burst: 20, perSecond: 5, maxLagSeconds: 20);
        now = 0;
        for (int i = 0; i < 2000; i++)
        {
            verdict = pausing.Charge(now);
            Assert.False(verdict.Flooding, $"frame {i}");
            now += (long)verdict.Wait.TotalMilliseconds;
            pausing.Resumed(now);
            if (i % 50 == 49) now += 2000; // nothing to send for 2 s
        }
    }

    // ---- Over real sockets ----

    [Fact]
    public async Task FramesBeyondTheBurstAreHeldBackToTheSteadyRateNotDropped()
    {
        await using var server = await InProcessServer.StartAsync("--flood-burst", "5", "--flood-rate", "10");
        await using var client = await server.RegisterAsync("eager"); // NICK took one token
        var clock = Stopwatch.StartNew();
        client.Send(string.Concat(Enumerable.Range(0, 24).Select(i => $"SEND #lobby :{i}\n")));

        var times = new List<double>();
        for (int i = 0; i < 24; i++)
        {
            Assert.Equal($"{i}", (await client.ExpectAsync("MSG")).Text);
            times.Add(clock.Elapsed.TotalSeconds);
        }
        // 4 tokens left, then one every 100 ms: the last of 24 is handled 2 s after the first.
        Assert.True(times[^1] >= 1.8, $"24 frames took {times[^1]:0.00} s; at 10 a second after a burst of 5 they take 2 s");
        Assert.DoesNotContain(client.Seen, f => f.Verb == Verb.Err);
        // Some frames waited for their token, but never the 4 of the burst (fewer wait when this machine is slow, as
        // tokens come back meanwhile): counted, not timed, so a loaded machine cannot fail it.
        Assert.InRange(server.Guard().Metrics.FakeLag.Total, 1, 20);
    }

    [Fact]
    public async Task PingAndPongAreNeverHeldBack()
    {
        await using var server = await InProcessServer.StartAsync("--flood-burst", "2", "--flood-rate", "0.1", "--flood-max-lag", "5");
        await using var client = await server.RegisterAsync("pinger");
        client.Send("SEND #lobby :the last token\n"); // the bucket is empty now: the next frame would wait 10 s
        await client.ExpectAsync("MSG");
        var clock = Stopwatch.StartNew();

        client.Send(string.Concat(Enumerable.Range(0, 200).Select(i => $"PING {i}\nPONG {i}\n")));

        await client.ExpectAsync("PONG 199");
        // One frame held back would wait 10 s for its token (and the client be closed after 5 s of lag).
        Assert.True(clock.Elapsed.TotalSeconds < 9.5, $"200 PINGs took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, server.Guard().Metrics.FakeLag.Total);
        Assert.Equal(200, client.Seen.Count(f => f.Verb == Verb.Pong));
        Assert.False(client.Closed);
    }

    [Fact]
    public async Task FloodOfRefusedLinesIsHeldBackAndClosedLikeAnyOther()
    {
        // 3 s of lag allowed, not 1: the reader loop must be answering through the whole wait, and a loaded machine can
        // hold it up for a second. The count comes from the token schedule, not from how fast the loop runs.
        await using var server = await InProcessServer.StartAsync("--flood-burst", "2", "--flood-rate", "2", "--flood-max-lag", "3");
        await using var client = await server.ConnectAsync();
        client.Send(string.Concat(Enumerable.Repeat("FOO bar\n", 50)));

        var frames = await client.ExpectClosedAsync();
        Assert.Equal("ERR RATE_LIMITED * :flooding: more than 2 frames a second for 3 seconds", frames[^2].ToString());
        // 2 at once, then 2 a second for 3 s: held back (not all 50 answered), and not closed at the first wait.
        Assert.InRange(frames.Count(f => f.ToString().StartsWith("ERR UNKNOWN_VERB")), 3, 10);
    }

    [Fact]
    public async Task HeldBackClientIsNotTakenForASilentOne()
    {
        // 9 frames at 1 a second take 8 s to handle, more than the 6 s of silence that cut a client (twice the ping
        // period): the server is the one not reading. The period is 3 s so that a token handed out late on a loaded
        // machine does not look like silence: that would take the reader loop waking 6 s late.
        await using var server = await InProcessServer.StartAsync("--ping", "3", "--flood-burst", "1", "--flood-rate", "1", "--flood-max-lag", "30");
        await using var client = await server.RegisterAsync("patient"); // the NICK took the only token
        client.Send(string.Concat(Enumerable.Range(0, 9).Select(i => $"SEND #lobby :{i}\n")));

        for (int i = 0; i < 9; i++) Assert.Equal($"{i}", (await client.ExpectAsync(f => f.Verb is Verb.Msg or Verb.Err, "MSG")).Text);
        Assert.DoesNotContain(client.Seen, f => f.Verb == Verb.Err);
    }
}

/// <summary>The default maximum lag (20 s), crossed; a class of its own, so that it runs beside the others.</summary>
public sealed class FloodDefaultLagTests
{
    [Fact]
    public async Task PersistentFlooderIsClosedAfterTwentySecondsOfLagAtTheDefaults()
    {
        var d = SecurityKit.Defaults;
        await using var server = await InProcessServer.StartAsync(SecurityKit.DefaultLimits);
        await using var watcher = await server.RegisterAsync("watcher");
        await using var flooder = await server.RegisterAsync("flooder");
        var clock = Stopwatch.StartNew();
        var flood = Task.Run(() =>
        {
            for (int i = 0; !flooder.Closed && i < 1_000_000; i++) flooder.Send($"SEND #lobby :flood {i}\n");
        });

        var frames = await flooder.ExpectClosedAsync(TimeSpan.FromSeconds(60));
        double closedAfter = clock.Elapsed.TotalSeconds;
        await flood;

        Assert.Equal($"ERR RATE_LIMITED * :flooding: more than {d.FloodRate} frames a second for {d.FloodMaxLagSeconds} seconds", frames[^2].ToString());
        await watcher.ExpectAsync("QUIT flooder :flooding");
        int delivered = watcher.Seen.Count(f => f.Verb == Verb.Msg);
        Assert.InRange(delivered, d.FloodBurst + d.FloodRate * (d.FloodMaxLagSeconds - 1), d.FloodBurst + d.FloodRate * closedAfter + 1);
        Assert.InRange(closedAfter, d.FloodMaxLagSeconds - 0.5, d.FloodMaxLagSeconds + 10);
    }
}

/// <summary>
/// Why the default maximum lag is 20 s: the terminal client rejoins all its rooms at once after a reconnect, and a user
/// in the most rooms allowed must not be taken for a flooder. A class of its own, so that it runs beside the others.
/// </summary>
public sealed class FloodDefaultRejoinTests
{
    [Fact]
    public async Task ClientRejoiningTheMostRoomsAllowedAtOnceIsHeldBackButNotClosedAtTheDefaults()
    {
        // What the terminal client does after a reconnect: NICK, then a JOIN for every room it was in, all at once.
        int rooms = new TcpChat.Server.ChatOptions().MaxRoomsPerUser;
        await using var server = await InProcessServer.StartAsync([.. SecurityKit.DefaultLimits, "--default-room", ""]);
        await using var client = await server.ConnectAsync();
        client.Send("NICK rejoiner\n" + string.Concat(Enumerable.Range(0, rooms).Select(i => $"JOIN #room{i}\n")));

        for (int i = 0; i < rooms; i++)
            Assert.Equal($"JOIN #room{i} rejoiner", (await client.ExpectAsync(f => f.Verb is Verb.Join or Verb.Err, $"JOIN #room{i}")).ToString());
        Assert.True(server.Guard().Metrics.FakeLag.Total > 0, "the rejoin was not held back at all");
        Assert.False(client.Closed);
    }
}

/// <summary>A flooder in a room of 200 readers, at the server's default burst and rate (and a shorter maximum lag).</summary>
[Collection(AloneCollection.Name)]
public sealed class FloodInACrowdTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task FlooderInARoomOf200ReadersIsHeldToTheRateThenClosedWhileReadersKeepReceiving()
    {
        const int readerCount = 200;
        const double maxLag = 5; // the default, 20 s, is crossed by PersistentFlooderIsClosedAfterTwentySecondsOfLagAtTheDefaults
        var d = SecurityKit.Defaults;
        await using var server = await InProcessServer.StartAsync(
            [.. SecurityKit.DefaultLimits, "--max-connections-per-address", "1000", "--default-room", "#crowd",
                "--flood-max-lag", SecurityKit.Text(maxLag)]);
        var readers = new List<TestClient>();
        for (int i = 0; i < readerCount; i++)
        {
            var reader = await server.ConnectAsync();
            reader.AutoPong = true;
            reader.Send($"NICK reader{i}\n");
            await reader.ExpectAsync("NAMES #crowd");
            readers.Add(reader);
        }
        await using var talker = await server.ConnectAsync();
        talker.Send("NICK talker\n");
        await talker.ExpectAsync("NAMES #crowd");
        await using var flooder = await server.ConnectAsync();
        flooder.Send("NICK flooder\n");
        await flooder.ExpectAsync("NAMES #crowd");
        await readers[0].ExpectAsync("JOIN #crowd flooder");

        // The flooder writes as fast as its socket takes it; the server reads it only at the allowed rate.
        var clock = Stopwatch.StartNew();
        var flood = Task.Run(() =>
        {
            for (int i = 0; !flooder.Closed && i < 1_000_000; i++) flooder.Send($"SEND #crowd :flood {i}\n");
        });
        // Meanwhile the talker says something now and then: the readers get it at once, flood or not.
        var talkLatencies = new List<double>();
        for (int i = 0; !readers[^1].Seen.Any(f => f.ToString().StartsWith("QUIT flooder")); i++)
        {
            var sent = Stopwatch.StartNew();
            talker.Send($"SEND #crowd :talk {i}\n");
            await readers[^1].ExpectAsync(f => f.Verb == Verb.Msg && f.Text == $"talk {i}" || f.ToString().StartsWith("QUIT flooder"), $"talk {i}");
            talkLatencies.Add(sent.Elapsed.TotalMilliseconds);
            await Task.Delay(500); // the talker's pace
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the flooder was never closed");
        }
        var frames = await flooder.ExpectClosedAsync();
        double closedAfter = clock.Elapsed.TotalSeconds;
        await flood;

        Assert.Equal($"ERR RATE_LIMITED * :flooding: more than {d.FloodRate} frames a second for {maxLag} seconds", frames[^2].ToString());
        foreach (var reader in readers)
            if (!reader.Seen.Any(f => f.ToString() == "QUIT flooder :flooding")) await reader.ExpectAsync("QUIT flooder :flooding");
        // Every reader got the same flood messages, in order, as many as the rate allows and no more.
        var delivered = readers[0].Seen.Where(f => f.Verb == Verb.Msg && f.Text!.StartsWith("flood ")).Select(f => f.Text).ToList();
        Assert.Equal(Enumerable.Range(0, delivered.Count).Select(i => $"flood {i}"), delivered);
        foreach (var reader in readers)
            Assert.Equal(delivered, reader.Seen.Where(f => f.Verb == Verb.Msg && f.Text!.StartsWith("flood ")).Select(f => f.Text));
        double allowed = d.FloodBurst + d.FloodRate * closedAfter;
        output.WriteLine($"{delivered.Count} flood messages reached each of {readerCount} readers before the flooder was closed after " +
            $"{closedAfter:0.0} s (burst {d.FloodBurst} + {d.FloodRate}/s allows {allowed:0}); the talker's messages took " +
            $"{talkLatencies.Order().ElementAt(talkLatencies.Count / 2):0} ms (median), {talkLatencies.Max():0} ms (max)");
        Assert.InRange(delivered.Count, d.FloodBurst + d.FloodRate * (maxLag - 1), allowed + 1);
        Assert.InRange(closedAfter, maxLag - 0.5, maxLag + 10);
        // Behind the flood, a talker's message would wait for thousands of frames: the median shows it does not, and a
        // stall of the whole machine now and then (other test runs, builds) is allowed for in the maximum.
        Assert.True(talkLatencies.Order().ElementAt(talkLatencies.Count / 2) < 1000, "the talker's messages were held up by the flood");
        Assert.True(talkLatencies.Max() < 10_000, $"a talker's message took {talkLatencies.Max():0} ms to reach the readers");
        Assert.Equal(1, server.Guard().Metrics.RateLimited.Total);
        foreach (var reader in readers) await reader.DisposeAsync();
    }
}
