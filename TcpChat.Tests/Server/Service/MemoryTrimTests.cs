using System.Net.Sockets;
using TcpChat.Server.Hosting;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Service;

/// <summary>Chat:TrimMemoryAfterSeconds: after a burst of connections, once it is over, the server gives memory back.</summary>
[Collection(AloneCollection.Name)]
public sealed class MemoryTrimTests
{
    [Fact]
    public async Task ServerGivesMemoryBackOnceABurstOfConnectionsIsOverAndSaysSoInStats()
    {
        await using var server = await InProcessServer.StartAsync("--trim-memory-after", "1");
        var hub = server.Hub();
        var sockets = new Socket[MemoryTrimmer.BurstConnections];
        try
        {
            using var connecting = new SemaphoreSlim(100); // under the listen backlog
            await Task.WhenAll(Enumerable.Range(0, sockets.Length).Select(async i =>
            {
                await connecting.WaitAsync();
                try
                {
                    sockets[i] = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await sockets[i].ConnectAsync("127.0.0.1", server.Port);
                }
                finally { connecting.Release(); }
            }));

            await ServerInsight.WaitUntilAsync(() => hub.Metrics.MemoryTrims.Total == 1, "a trim a second after the burst",
                timeout: TimeSpan.FromSeconds(60));
            await using var operatorClient = await server.ConnectAsync();
            operatorClient.Send("STATS\n");
            Assert.Contains("\nmemory_trims 1\n", (await operatorClient.ExpectAsync("STATS")).Text);
        }
        finally
        {
            foreach (var socket in sockets) socket?.Dispose();
        }
    }

    /// <summary>
    /// Issue 17: 18,000 users gone left a 10 GB heap behind, since only a burst of connections led to a trim. Now a burst
    /// of disconnections does too: the server's STATS show a second trim once the users have left, and the managed
    /// memory it reports then is below what it was with them connected.
    /// </summary>
    [Fact]
    public async Task ServerGivesMemoryBackOnceABurstOfDisconnectionsIsOverAndSaysSoInStats()
    {
        await using var server = await ServerProcess.StartAsync("--trim-memory-after", "1", "--no-history",
            "--history-on-join", "0", "--big-room-members", "100");
        var clients = new List<Socket>();
        try
        {
            using var connecting = new SemaphoreSlim(50);
            await Task.WhenAll(Enumerable.Range(0, MemoryTrimmer.BurstConnections).Select(async i =>
            {
                await connecting.WaitAsync();
                try
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync("127.0.0.1", server.Port);
                    await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes($"NICK user{i}\n"), SocketFlags.None);
                    lock (clients) clients.Add(socket);
                }
                finally { connecting.Release(); }
            }));
            var connected = await WaitForStatsAsync(server, s => s["memory_trims"] == 1 && s["connections"] >= MemoryTrimmer.BurstConnections,
                "a trim after the burst of connections");

            foreach (var socket in clients) socket.Dispose();
            var gone = await WaitForStatsAsync(server, s => s["memory_trims"] == 2 && s["connections"] == 1,
                "a trim after the burst of disconnections");
            Assert.True(gone["managed_memory_bytes"] < connected["managed_memory_bytes"],
                $"managed memory {gone["managed_memory_bytes"]} after the users left, {connected["managed_memory_bytes"]} with them");
        }
        finally
        {
            foreach (var socket in clients) socket.Dispose();
        }
    }

    /// <summary>
    /// Chat:TrimMemoryMaxFramesPerSecond: the trim's collection stops every thread, so a trim that is due waits while the
    /// server writes more frames a second than the limit, and runs at the first sweep after the traffic calms. The sweep's
    /// clock is given, so the test does not wait for time to pass.
    /// </summary>
    [Fact]
    public void DueTrimWaitsWhileTheServerWritesManyFramesAndRunsOnceTrafficCalms()
    {
        var (metrics, trimmer) = AfterABurst(maxFramesPerSecond: 100, maxWaitSeconds: 120);
        using var _ = metrics;
        long now = Environment.TickCount64;
        Assert.Equal(MemoryTrimmer.Outcome.None, trimmer.TrimIfQuiet(now)); // the burst has just ended

        metrics.MessagesOut.Add(202); // 101 frames a second over the next 2 s: just over the limit
        Assert.Equal(MemoryTrimmer.Outcome.Held, trimmer.TrimIfQuiet(now + 2000));
        Assert.Equal(101, trimmer.FramesPerSecond);
        metrics.MessagesOut.Add(1_000_000);
        Assert.Equal(MemoryTrimmer.Outcome.StillHeld, trimmer.TrimIfQuiet(now + 4000)); // said once, not at every sweep
        Assert.Equal(0, metrics.MemoryTrims.Total);

        metrics.MessagesOut.Add(200); // 100 a second: at the limit, quiet enough
        Assert.Equal(MemoryTrimmer.Outcome.Trimmed, trimmer.TrimIfQuiet(now + 6000));
        Assert.Equal(1, metrics.MemoryTrims.Total);
        Assert.Equal(MemoryTrimmer.Outcome.None, trimmer.TrimIfQuiet(now + 8000)); // once per burst
    }

    /// <summary>Chat:TrimMemoryMaxWaitSeconds: a server that stays busy still gives a burst's memory back (issue 17).</summary>
    [Fact]
    public void DueTrimRunsAnywayOnceItHasWaitedItsLongest()
    {
        var (metrics, trimmer) = AfterABurst(maxFramesPerSecond: 100, maxWaitSeconds: 30);
        using var _ = metrics;
        long now = Environment.TickCount64; // the burst ended just before: the trim is due at now + 1 s at the latest
        Assert.Equal(MemoryTrimmer.Outcome.None, trimmer.TrimIfQuiet(now));
        var outcomes = new List<MemoryTrimmer.Outcome>();
        for (long t = now + 2000; t <= now + 40_000; t += 2000) // busy all along: 50,000 frames a second
        {
            metrics.MessagesOut.Add(100_000);
            outcomes.Add(trimmer.TrimIfQuiet(t));
        }
        // Held from the first sweep past due, and trimmed at the first sweep 30 s past due: 30-32 s after now.
        int trimmedAt = outcomes.IndexOf(MemoryTrimmer.Outcome.Trimmed);
        Assert.InRange(2000L * (trimmedAt + 1), 30_000, 32_000);
        Assert.Equal(MemoryTrimmer.Outcome.Held, outcomes[0]);
        Assert.All(outcomes.Skip(1).Take(trimmedAt - 1), o => Assert.Equal(MemoryTrimmer.Outcome.StillHeld, o));
        Assert.All(outcomes.Skip(trimmedAt + 1), o => Assert.Equal(MemoryTrimmer.Outcome.None, o));
        Assert.Equal(1, metrics.MemoryTrims.Total);
    }

    /// <summary>
    /// The log says a trim waits once per wait, not at every sweep; a connection that pushes the trim back ends that
    /// wait, so the wait after it is said again, not taken for the same one.
    /// </summary>
    [Fact]
    public void WaitEndedByANewConnectionIsSaidAgainWhenTheTrimWaitsOnceMore()
    {
        long clock = Environment.TickCount64;
        var (metrics, trimmer) = AfterABurst(maxFramesPerSecond: 100, maxWaitSeconds: 120, () => clock);
        using var _ = metrics;
        long start = clock;
        Assert.Equal(MemoryTrimmer.Outcome.None, trimmer.TrimIfQuiet(start));
        metrics.MessagesOut.Add(1000); // 500 frames a second: busy
        Assert.Equal(MemoryTrimmer.Outcome.Held, trimmer.TrimIfQuiet(start + 2000));
        metrics.MessagesOut.Add(1000);
        Assert.Equal(MemoryTrimmer.Outcome.StillHeld, trimmer.TrimIfQuiet(start + 4000));

        clock = start + 5000;
        trimmer.Accepted(); // the burst goes on: the trim is due a second from now
        metrics.MessagesOut.Add(500);
        Assert.Equal(MemoryTrimmer.Outcome.None, trimmer.TrimIfQuiet(start + 5000));
        metrics.MessagesOut.Add(1000);
        Assert.Equal(MemoryTrimmer.Outcome.Held, trimmer.TrimIfQuiet(start + 7000));
        Assert.Equal(0, metrics.MemoryTrims.Total);
    }

    [Fact]
    public void TrimWithNoFrameLimitRunsWhateverTheTraffic()
    {
        var (metrics, trimmer) = AfterABurst(maxFramesPerSecond: 0, maxWaitSeconds: 120);
        using var _ = metrics;
        long now = Environment.TickCount64;
        Assert.Equal(MemoryTrimmer.Outcome.None, trimmer.TrimIfQuiet(now));
        metrics.MessagesOut.Add(1_000_000);
        Assert.Equal(MemoryTrimmer.Outcome.Trimmed, trimmer.TrimIfQuiet(now + 2000));
    }

    /// <summary>A trimmer (trim delay 1 s) that has just seen a burst of connections end.</summary>
    private static (TcpChat.Server.Chat.ChatMetrics Metrics, MemoryTrimmer Trimmer) AfterABurst(int maxFramesPerSecond,
        double maxWaitSeconds, Func<long>? clock = null)
    {
        var metrics = new TcpChat.Server.Chat.ChatMetrics(() => 0, () => 0, () => (0, 0));
        var trimmer = new MemoryTrimmer(afterSeconds: 1, metrics, maxFramesPerSecond, maxWaitSeconds, clock);
        for (int i = 0; i < MemoryTrimmer.BurstConnections; i++) trimmer.Accepted();
        return (metrics, trimmer);
    }

    /// <summary>Asks STATS (as an operator would, over a socket) until <paramref name="condition"/> holds.</summary>
    private static async Task<Dictionary<string, long>> WaitForStatsAsync(ServerProcess server,
        Func<Dictionary<string, long>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        Dictionary<string, long> stats = [];
        while (DateTime.UtcNow < deadline)
        {
            await using var operatorClient = await TestClient.ConnectAsync(server.Port);
            operatorClient.Send("STATS\n");
            stats = (await operatorClient.ExpectAsync("STATS")).Text!.Split('\n')
                .Select(line => line.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1]));
            if (condition(stats)) return stats;
            // How often STATS is asked, not a wait for time to pass; longer than the trim's quiet second, since asking is
            // a connection too.
            await Task.Delay(2000);
        }
        throw new Xunit.Sdk.XunitException($"waited 120 s for {what}; last STATS: " +
            string.Join(", ", stats.Select(s => $"{s.Key}={s.Value}")));
    }
}
