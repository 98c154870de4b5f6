using System.Diagnostics;
using System.Text;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Security;

/// <summary>
/// Before registration (docs/PROTOCOL.md, "Registration"): a deadline to say a valid NICK, and small limits on what may be
/// sent meanwhile. Both close the slowloris that never registers.
/// </summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task ConnectionThatNeverRegistersIsClosedWithTimeoutAtTheDeadline()
    {
        await using var server = await InProcessServer.StartAsync("--registration-timeout", "1");
        var clock = Stopwatch.StartNew();
        await using var idle = await server.ConnectAsync();

        var frames = await idle.ExpectClosedAsync();
        var elapsed = clock.Elapsed;

        Assert.Equal(["HELLO", "ERR TIMEOUT * :no NICK within 1 seconds", "BYE :no NICK within 1 seconds"],
            frames.Select(f => f.Verb == Verb.Hello ? "HELLO" : f.ToString()));
        Assert.InRange(elapsed.TotalSeconds, 0.9, 10);
        Assert.Equal(1, server.Guard().Metrics.RegistrationTimeouts.Total);
    }

    [Fact]
    public async Task RegisteredConnectionOutlivesTheDeadline()
    {
        // 5 s, not 1: alice must register within it, which a loaded machine may take over a second to do.
        await using var server = await InProcessServer.StartAsync("--registration-timeout", "5");
        await using var alice = await server.RegisterAsync("alice");
        await using var idle = await server.ConnectAsync(); // connected after alice: its deadline passes after hers

        await idle.ExpectClosedAsync();

        alice.Send("SEND #lobby :still here\n");
        Assert.Equal("still here", (await alice.ExpectAsync("MSG")).Text);
        Assert.DoesNotContain(alice.Seen, f => f.Verb is Verb.Err or Verb.Bye);
    }

    [Fact]
    public async Task SlowlorisThatNeverRegistersIsClosedByTheRegistrationTimeoutWhileOthersChatOn()
    {
        // One byte a second of a NICK whose LF never comes. Every byte counts as being heard, so the keepalive would
        // let it be; the registration deadline does not.
        await using var server = await InProcessServer.StartAsync("--registration-timeout", "3");
        await using var bystander = await server.RegisterAsync("bystander");
        await using var slow = await server.ConnectAsync();
        var clock = Stopwatch.StartNew();
        byte[] bytes = Encoding.ASCII.GetBytes("NICK slowpoke-who-never-ends");
        int sent = 0, round = 0;
        while (!slow.Closed && sent < bytes.Length)
        {
            slow.Send(bytes[sent..(sent + 1)]);
            sent++;
            bystander.Send($"PING {++round}\n");
            await bystander.ExpectAsync($"PONG {round}");
            await Task.Delay(1000); // the attacker's pace, not a wait for the server
        }

        var frames = await slow.ExpectClosedAsync();
        Assert.Equal("ERR TIMEOUT * :no NICK within 3 seconds", frames[^2].ToString());
        Assert.InRange(clock.Elapsed.TotalSeconds, 2.9, 15);
        Assert.True(sent < bytes.Length, "the slowloris was closed only once it ran out of bytes");
        bystander.Send("SEND #lobby :unaffected\n");
        Assert.Equal("unaffected", (await bystander.ExpectAsync("MSG")).Text);
    }

    [Fact]
    public async Task LinesBeforeNickAreLimitedTo512BytesAndToTheFullLimitAfter()
    {
        await using var server = await InProcessServer.StartAsync();
        int limit = SecurityKit.Defaults.UnregisteredMaxLine;
        Assert.Equal(512, limit);

        await using var before = await server.ConnectAsync();
        before.Send("PING " + new string('x', limit - "PING ".Length) + "\n"); // exactly at the limit: fine
        await before.ExpectAsync("PONG xxx");
        before.Send("PING " + new string('x', limit + 1 - "PING ".Length) + "\n");
        var last = await before.ExpectClosedAsync();
        Assert.Equal($"ERR TOO_LONG * :control line exceeds max_line={limit} bytes", last[^2].ToString());

        await using var after = await server.RegisterAsync("after");
        string text = new('y', 4000); // near the full max_line of 4096
        after.Send($"SEND #lobby :{text}\n");
        Assert.Equal(text, (await after.ExpectAsync("MSG")).Text);
    }

    [Fact]
    public async Task TextBeforeNickIsLimitedTo512BytesAndToTheFullLimitAfter()
    {
        await using var server = await InProcessServer.StartAsync();
        int limit = SecurityKit.Defaults.UnregisteredMaxPayload;
        Assert.Equal(512, limit);

        await using var before = await server.ConnectAsync();
        before.Send($"QUIT {limit + 1}\n"); // refused on the length, before any text is sent
        var last = await before.ExpectClosedAsync();
        Assert.Equal($"ERR TOO_LONG QUIT :text of {limit + 1} bytes exceeds max_payload={limit}", last[^2].ToString());

        await using var after = await server.RegisterAsync("after");
        string text = new('z', 60_000);
        after.Send($"SEND #lobby {text.Length}\n{text}\n");
        Assert.Equal(text, (await after.ExpectAsync("MSG")).Text);
    }

    [Fact]
    public async Task FrameSentRightBehindTheNickInOneWriteAlreadyHasTheFullLimits()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var client = await server.ConnectAsync();
        string text = new('w', 2000);
        client.Send($"NICK quick\nSEND #lobby :{text}\n");
        Assert.Equal(text, (await client.ExpectAsync("MSG")).Text);
    }

    [Fact]
    public async Task UnregisteredLimitsNeverExceedTheRegisteredOnes()
    {
        await using var server = await InProcessServer.StartAsync("--max-line", "100", "--unregistered-max-line", "1000");
        await using var client = await server.ConnectAsync();
        client.Send("PING " + new string('x', 200) + "\n");
        var last = await client.ExpectClosedAsync();
        Assert.Equal("ERR TOO_LONG * :control line exceeds max_line=100 bytes", last[^2].ToString());
    }
}

/// <summary>The default registration deadline (10 s), crossed; a class of its own, so that it runs beside the others.</summary>
public sealed class RegistrationDefaultDeadlineTests
{
    [Fact]
    public async Task ConnectionThatNeverRegistersIsClosedAtTheDefaultDeadlineOfTenSeconds()
    {
        await using var server = await InProcessServer.StartAsync();
        var clock = Stopwatch.StartNew();
        await using var idle = await server.ConnectAsync();
        idle.AutoPong = true; // alive, answering, just never registering

        var frames = await idle.ExpectClosedAsync(TimeSpan.FromSeconds(40));

        Assert.Equal($"ERR TIMEOUT * :no NICK within {SecurityKit.Defaults.RegistrationTimeoutSeconds} seconds", frames[^2].ToString());
        Assert.InRange(clock.Elapsed.TotalSeconds, SecurityKit.Defaults.RegistrationTimeoutSeconds - 0.1, SecurityKit.Defaults.RegistrationTimeoutSeconds + 10);
    }
}

/// <summary>A thousand connections that never register, against a one-second deadline, and two users chatting meanwhile.</summary>
[Collection(AloneCollection.Name)]
public sealed class RegistrationStormTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task ThousandConnectionsThatNeverRegisterAreAllClosedOnTimeAndTheRestOfTheServerIsUnaffected()
    {
        const int idlers = 1000;
        const double deadline = 1;
        await using var server = await InProcessServer.StartAsync("--registration-timeout", SecurityKit.Text(deadline));
        var hub = server.Hub();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.ExpectAsync("JOIN #lobby bob");

        // The chat goes on all along: alice says something every 20 ms and bob must get it quickly.
        using var stop = new CancellationTokenSource();
        var latencies = new List<double>();
        var chat = Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                var sent = Stopwatch.StartNew();
                alice.Send($"SEND #lobby :tick {i}\n");
                await bob.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == $"tick {i}", $"tick {i}");
                latencies.Add(sent.Elapsed.TotalMilliseconds);
                await Task.Delay(20); // the chat's pace
            }
        });

        // All of them at once: each connects, and waits for the server to close it.
        var closedAfter = new double[idlers];
        var clients = new TestClient[idlers];
        using var connecting = new SemaphoreSlim(100); // connects in flight at once, under the listen backlog
        await Task.WhenAll(Enumerable.Range(0, idlers).Select(async i =>
        {
            await connecting.WaitAsync();
            var clock = Stopwatch.StartNew();
            try { clients[i] = await server.ConnectAsync(); }
            finally { connecting.Release(); }
            var frames = await clients[i].ExpectClosedAsync(TimeSpan.FromSeconds(60));
            closedAfter[i] = clock.Elapsed.TotalSeconds;
            Assert.Equal($"ERR TIMEOUT * :no NICK within {deadline} seconds", frames[^2].ToString());
        }));
        stop.Cancel();
        await chat;
        foreach (var client in clients) await client.DisposeAsync();

        var sorted = closedAfter.Order().ToArray();
        output.WriteLine($"{idlers} idle connections closed after {sorted[0]:0.000} s (first) to {sorted[^1]:0.000} s (last), " +
            $"median {sorted[idlers / 2]:0.000} s; the chat meanwhile: {latencies.Count} messages, " +
            $"latency median {latencies.Order().ElementAt(latencies.Count / 2):0.0} ms, max {latencies.Max():0.0} ms " +
            $"(message {latencies.IndexOf(latencies.Max())})");
        Assert.True(sorted[0] >= deadline - 0.1, $"one was closed after {sorted[0]:0.000} s, before its deadline");
        Assert.True(sorted[^1] <= deadline + 5, $"one was closed only after {sorted[^1]:0.000} s");
        // Median, not only max: other test classes run meanwhile on two cores, and may hold the machine up for a moment.
        Assert.True(latencies.Order().ElementAt(latencies.Count / 2) < 500, "the idle connections slowed the chat down");
        Assert.True(latencies.Max() < 10_000, $"the chat stalled for {latencies.Max():0} ms");
        await ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 2, "only alice and bob to be left", () => $"{hub.ConnectionCount} connections");
        Assert.Equal(idlers, server.Guard().Metrics.RegistrationTimeouts.Total);
        Assert.Equal(1, server.Guard().AddressCount); // 127.0.0.1, with alice and bob
    }
}
