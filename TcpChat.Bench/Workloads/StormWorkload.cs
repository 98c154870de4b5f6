using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using TcpChat.Bench.Load;
using TcpChat.Tui.App;

namespace TcpChat.Bench.Workloads;

public sealed record StormSettings(string ServerCommand, int Clients, string Room, int Concurrency, double SettleSeconds,
    double LeaveSeconds, double MaxSeconds)
{
    public string? Problem() =>
        string.IsNullOrWhiteSpace(ServerCommand) ? "--server-command is required: the storm restarts the server"
        : Clients < 1 ? "--clients must be at least 1"
        : Concurrency < 1 ? "--concurrency must be at least 1"
        : !Room.StartsWith('#') ? "--room must be a room name such as #lobby"
        : null;
}

/// <param name="ConnectSeconds">The first server: all clients connected and in the room, at --concurrency at a time.</param>
/// <param name="StormSeconds">From the restart (SIGTERM to the first server) until every client was back in.</param>
/// <param name="StormFromListenSeconds">From the second server listening until every client was back in.</param>
/// <param name="RssAfterLeaveBytes">The second server's RSS --leave-seconds after every client left.</param>
public sealed record StormResult(Target Target, StormSettings Settings, long IdleRssBytes, double ConnectSeconds, long ConnectedRssBytes,
    long FirstPeakRssBytes, double StormSeconds, double StormFromListenSeconds, int BackIn, long SecondPeakRssBytes, double SecondCpuSeconds,
    long StormRssBytes, long? RssAfterLeaveBytes, long SlowConsumers, long BudgetCuts, int Attempts, string? Failure)
{
    private static string Mb(long bytes) => Tables.F(bytes / 1048576.0, "0.0");

    public string ToTable()
    {
        var t = new TextTable("clients", "connect s", "idle MB", "connected MB", "peak MB", "storm s", "from listen s", "back in",
            "storm peak MB", "storm CPU s", "after leave MB", "slow consumers", "attempts");
        t.Row(Settings.Clients.ToString(CultureInfo.InvariantCulture), Tables.F(ConnectSeconds, "0.00"), Mb(IdleRssBytes),
            Mb(ConnectedRssBytes), Mb(FirstPeakRssBytes), Tables.F(StormSeconds, "0.00"), Tables.F(StormFromListenSeconds, "0.00"),
            BackIn.ToString(CultureInfo.InvariantCulture), Mb(SecondPeakRssBytes), Tables.F(SecondCpuSeconds, "0.00"),
            RssAfterLeaveBytes is long l ? Mb(l) : "-", SlowConsumers.ToString(CultureInfo.InvariantCulture),
            Attempts.ToString(CultureInfo.InvariantCulture));
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"storm: {Target.Label} at {Target.EndPoint}, {Settings.Clients} clients in {Settings.Room}; server restarted (SIGTERM, then started again); every client reconnects with tcpchat's backoff (1 s doubling to 30 s, equal jitter)");
        sb.Append(t);
        if (Failure is { } f) sb.AppendLine($"failed: {f}");
        return sb.ToString();
    }

    public object ToJsonObject() => new
    {
        workload = "storm",
        label = Target.Label,
        clients = Settings.Clients,
        room = Settings.Room,
        connectSeconds = Math.Round(ConnectSeconds, 3),
        idleRssBytes = IdleRssBytes,
        connectedRssBytes = ConnectedRssBytes,
        firstPeakRssBytes = FirstPeakRssBytes,
        stormSeconds = Math.Round(StormSeconds, 3),
        stormFromListenSeconds = Math.Round(StormFromListenSeconds, 3),
        backIn = BackIn,
        stormPeakRssBytes = SecondPeakRssBytes,
        stormCpuSeconds = Math.Round(SecondCpuSeconds, 3),
        stormRssBytes = StormRssBytes,
        rssAfterLeaveBytes = RssAfterLeaveBytes,
        slowConsumers = SlowConsumers,
        budgetCuts = BudgetCuts,
        attempts = Attempts,
        failure = Failure,
    };
}

/// <summary>
/// A reconnect storm (issue 17): the load generator starts the server itself (--server-command), connects N clients into
/// one room (the default room, by default), then restarts the server as an operator would (SIGTERM, wait for it to exit,
/// start it again). Every client, cut off by the shutdown, reconnects as <c>tcpchat</c> does: after
/// <see cref="Backoff"/>'s delay (the same class, linked in), again and again while the server is not back. Measured:
/// the time until every client is back in its room, the second server's peak RSS (VmHWM) and CPU, its slow consumers
/// (STATS); then every client leaves and the RSS is read again after --leave-seconds (the memory given back).
/// </summary>
public static class StormWorkload
{
    /// <summary>tcpchat's reconnect delays (ClientOptions.ReconnectInitial and ReconnectMax).</summary>
    private static readonly TimeSpan BackoffInitial = TimeSpan.FromSeconds(1), BackoffMax = TimeSpan.FromSeconds(30);

    public static async Task<StormResult> RunAsync(Target target, StormSettings s, ProgressLine progress, CancellationToken cancel)
    {
        string run = Clients.NewRunToken();
        (string, string, bool) Spec(int k) => ($"{run}{k}", s.Room, false);
        var first = await ServerUnderTest.StartAsync(s.ServerCommand, cancel);
        ServerUnderTest? second = null;
        var clients = new BenchConnection?[s.Clients];
        int attempts = 0;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancel);
            long idleRss = ProcStats.RssBytes(first.Pid) ?? 0;
            var clock = Stopwatch.StartNew();
            var connected = await Clients.ConnectAsync(target with { ServerPid = first.Pid }, s.Clients, Spec, Sink.Instance, 2048,
                s.Concurrency, progress, $"{s.Clients} clients into {s.Room}", cancel, TimeSpan.FromSeconds(s.MaxSeconds));
            double connectSeconds = clock.Elapsed.TotalSeconds;
            connected.CopyTo(clients, 0);
            progress.Line($"{target.Label}: {s.Clients} in {s.Room} in {connectSeconds:0.00} s ({s.Clients / connectSeconds:N0}/s)");
            await Task.Delay(TimeSpan.FromSeconds(s.SettleSeconds), cancel);
            long connectedRss = ProcStats.RssBytes(first.Pid) ?? 0;
            long firstPeak = ProcStats.PeakRssBytes(first.Pid) ?? 0;

            // The restart. Each client notices the BYE (or the reset) and comes back on its own.
            int back = 0;
            long backAt = 0;
            var restart = Stopwatch.StartNew();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            async Task Reconnect(int i)
            {
                var backoff = new Backoff(BackoffInitial, BackoffMax);
                var old = clients[i]!;
                await old.Closed.WaitAsync(stop.Token);
                await old.DisposeAsync();
                // As tcpchat does: a delay, then an attempt, whether or not the server is back yet; a refused attempt
                // makes the next delay longer.
                while (true)
                {
                    await Task.Delay(backoff.Next(), stop.Token);
                    Interlocked.Increment(ref attempts);
                    BenchConnection c;
                    try
                    {
                        var (nick, room, publisher) = Spec(i);
                        c = await BenchConnection.ConnectAsync(target.EndPoint, target.SourceOf(i, s.Clients), target.Protocol, i, nick,
                            room, publisher, Sink.Instance, 2048, stop.Token, asyncConnect: true);
                    }
                    catch (BenchException)
                    {
                        continue; // not listening yet: refused
                    }
                    clients[i] = c;
                    if (await Task.WhenAny(c.Ready, c.Closed) == c.Ready && c.Ready.IsCompletedSuccessfully)
                    {
                        Interlocked.Increment(ref back);
                        Volatile.Write(ref backAt, restart.ElapsedTicks);
                        return;
                    }
                    await c.DisposeAsync();
                }
            }
            var reconnecting = Enumerable.Range(0, s.Clients).Select(i => Task.Run(() => Reconnect(i), stop.Token)).ToList();
            using var status = progress.Every(() => $"{target.Label}: storm: {Volatile.Read(ref back)}/{s.Clients} back in, {Volatile.Read(ref attempts)} attempts");
            await first.StopAsync();
            second = await ServerUnderTest.StartAsync(s.ServerCommand, cancel);
            double listenAt = restart.Elapsed.TotalSeconds;
            var all = Task.WhenAll(reconnecting);
            long stormRss = 0;
            var deadline = Stopwatch.StartNew();
            while (!all.IsCompleted && deadline.Elapsed.TotalSeconds < s.MaxSeconds)
            {
                stormRss = Math.Max(stormRss, ProcStats.RssBytes(second.Pid) ?? 0);
                await Task.WhenAny(all, Task.Delay(100, cancel));
            }
            string? failure = null;
            if (!all.IsCompleted)
            {
                failure = $"{Volatile.Read(ref back)}/{s.Clients} back after {s.MaxSeconds:0} s";
                stop.Cancel();
            }
            await all.ContinueWith(_ => { }, TaskScheduler.Default);
            double stormSeconds = Stopwatch.GetElapsedTime(0, Volatile.Read(ref backAt)).TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(s.SettleSeconds), cancel);
            long secondPeak = ProcStats.PeakRssBytes(second.Pid) ?? 0;
            double secondCpu = ProcStats.CpuSeconds(second.Pid) ?? 0;
            var stats = await StatsAsync(target);
            progress.Line($"{target.Label}: {back}/{s.Clients} back in {stormSeconds:0.00} s after the restart; peak RSS {secondPeak >> 20} MB");

            // Everyone leaves; the server should give the memory back (a burst of disconnections).
            await Clients.DisposeAllAsync(clients);
            long? afterLeave = null;
            if (s.LeaveSeconds > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(s.LeaveSeconds), cancel);
                afterLeave = ProcStats.RssBytes(second.Pid);
            }
            return new StormResult(target, s, idleRss, connectSeconds, connectedRss, firstPeak, stormSeconds, stormSeconds - listenAt, back,
                secondPeak, secondCpu, stormRss, afterLeave, stats.GetValueOrDefault("slow_consumers"),
                stats.GetValueOrDefault("outbox_budget_cuts"), Volatile.Read(ref attempts), failure);
        }
        finally
        {
            await Clients.DisposeAllAsync(clients);
            await first.StopAsync();
            if (second is not null) await second.StopAsync();
        }
    }

    /// <summary>The server's STATS counters, asked over a plain connection (from loopback: allowed by default).</summary>
    private static async Task<Dictionary<string, long>> StatsAsync(Target target)
    {
        var stats = new Dictionary<string, long>();
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(target.EndPoint);
            await socket.SendAsync("STATS\n"u8.ToArray(), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            var text = new StringBuilder();
            var buffer = new byte[16 * 1024];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0) text.Append(Encoding.UTF8.GetString(buffer, 0, n));
            foreach (string line in text.ToString().Split('\n'))
            {
                string[] parts = line.Split(' ');
                if (parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long v)) stats[parts[0]] = v;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { }
        return stats;
    }

    private sealed class Sink : IMessageSink
    {
        public static readonly Sink Instance = new();

        public void OnMessage(BenchConnection connection, ReadOnlySpan<byte> text, long now) { }
    }
}

/// <summary>A server process the workload starts (<c>sh -c "exec command"</c>) and stops with SIGTERM, as systemd would.</summary>
internal sealed class ServerUnderTest
{
    private readonly Process _process;
    private bool _stopped;

    private ServerUnderTest(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Starts the command and waits for its "Listening on" line.</summary>
    public static async Task<ServerUnderTest> StartAsync(string command, CancellationToken cancel)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec " + command);
        var process = Process.Start(info) ?? throw new BenchException($"cannot start: {command}");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new StringBuilder();
        // Drained to the end: a server that logs every connection must never block on a full pipe.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            if (e.Data.Contains("Listening on", StringComparison.Ordinal)) listening.TrySetResult();
            else if (!listening.Task.IsCompleted) lock (log) log.AppendLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync(cancel);
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), cancel)) != listening.Task)
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync(CancellationToken.None); // and its output read to the end
            lock (log)
                throw new BenchException($"the server did not say 'Listening on' within 60 s (exit code {process.ExitCode}): {command}\n{log}");
        }
        return new ServerUnderTest(process);
    }

    /// <summary>SIGTERM, then waits for the exit (SIGKILL after 30 s).</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        if (!_process.HasExited) _ = Kill(_process.Id, 15);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await _process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException) { _process.Kill(); }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
