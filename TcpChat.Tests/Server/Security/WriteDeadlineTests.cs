using System.Net.Sockets;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Security;

/// <summary>
/// Slow consumers (docs/PROTOCOL.md, "Slow consumers"): besides the outbox bound in bytes, a write that does not finish
/// within Chat:WriteTimeoutSeconds closes the connection, counted in the metrics.
/// </summary>
public sealed class WriteDeadlineTests
{
    [Fact]
    public async Task ClientThatStopsReadingIsClosedByTheWriteDeadlineLongBeforeItsOutboxFills()
    {
        // An outbox of 256 MiB would take long to fill; the write deadline of 5 s comes first. (5, not 1: the readers
        // alice and bob must not be cut themselves when a loaded machine holds their loops up for a second.)
        await using var server = await InProcessServer.StartAsync("--write-timeout", "5", "--outbox-bytes", "268435456",
            "--max-payload", "16384");
        var hub = server.Hub();
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
        while (!Quit() && sent < 25_000) // 100 MB at most: far more than any socket buffer, far less than the outbox
        {
            for (int k = 0; k < 8; k++) alice.Send($"SEND #lobby :{text}\n");
            sent += 8;
            await alice.ExpectAsync(f => f.Verb == Verb.Msg && f.Arg(2) == sent.ToString(), $"echo of {sent}");
            await bob.ExpectAsync(f => f.Verb == Verb.Msg && f.Arg(2) == sent.ToString() || f.ToString() == "QUIT stuck :slow consumer", $"message {sent}");
        }

        Assert.True(Quit(), "the stuck client was never disconnected");
        Assert.Equal(1, server.Guard().Metrics.WriteTimeouts.Total);
        Assert.Equal(1, hub.Metrics.SlowConsumers.Total);
        await ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 2, "the stuck connection to be gone");
        alice.Send("SEND #lobby :after\n");
        await bob.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == "after", "after");
    }

    [Fact]
    public async Task ClientThatReadsSlowlyButSteadilyIsNotCutByTheWriteDeadline()
    {
        const double deadline = 3;
        await using var server = await InProcessServer.StartAsync("--write-timeout", SecurityKit.Text(deadline));
        await using var alice = await server.RegisterAsync("alice");
        using var slow = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await slow.ConnectAsync("127.0.0.1", server.Port);
        slow.Send("NICK slow\n"u8);
        await alice.ExpectAsync("JOIN #lobby slow");

        // 400 kB for it; it reads what its small socket buffer holds every 150 ms (about 100 kB/s): far behind, so the
        // whole takes longer than the deadline, but no single 64 KiB write waits anywhere near 3 s for it.
        string text = new('y', 4000);
        for (int k = 0; k < 100; k++) alice.Send($"SEND #lobby :{text}\n");
        var buffer = new byte[16 * 1024];
        long read = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (read < 100 * 4000)
        {
            // Every read has data waiting or coming (the server is writing to it): a generous timeout turns a stall into
            // a failure instead of a hang.
            using var stalled = new CancellationTokenSource(TestClient.Timeout);
            int n;
            try { n = await slow.ReceiveAsync(buffer, SocketFlags.None, stalled.Token); }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"nothing came for {TestClient.Timeout.TotalSeconds:0} s after {read} bytes");
            }
            Assert.True(n > 0, $"closed after {read} bytes");
            read += n;
            await Task.Delay(150); // the slow reader's pace
        }
        Assert.True(clock.Elapsed.TotalSeconds > deadline, $"read it all in {clock.Elapsed.TotalSeconds:0.0} s: not slower than the deadline");
        Assert.Equal(0, server.Guard().Metrics.WriteTimeouts.Total);
    }
}
