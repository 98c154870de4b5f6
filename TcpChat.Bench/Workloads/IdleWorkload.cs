using System.Diagnostics;
using System.Globalization;
using System.Text;
using TcpChat.Bench.Load;

namespace TcpChat.Bench.Workloads;

public sealed record IdleSettings(int Connections, int RoomSize, double SettleSeconds, int Concurrency)
{
    public string? Problem() =>
        Connections < 1 ? "--connections must be at least 1"
        : RoomSize < 1 ? "--room-size must be at least 1"
        : Concurrency < 1 ? "--concurrency must be at least 1"
        : null;
}

/// <param name="RssHalf">RSS with the first half of the connections, settled.</param>
public sealed record IdleResult(Target Target, IdleSettings Settings, double ConnectSeconds, long? RssBefore, long? RssHalf, long? RssAfter,
    int StillConnected, string? Disconnected, double? ServerCpuSeconds)
{
    public double AcceptsPerSecond => Settings.Connections / ConnectSeconds;

    private int Half => Settings.Connections / 2;

    /// <summary>Server memory per connection: RSS above the baseline, divided by the connections.</summary>
    public double? BytesPerConnection => RssBefore is long b && RssAfter is long a ? (double)(a - b) / Settings.Connections : null;

    /// <summary>
    /// What one more connection costs: the RSS the second half of the connections added, divided by them. Costs paid once,
    /// whatever the number of connections (a runtime's first heap growth, thread stacks), are in the first half only.
    /// </summary>
    public double? MarginalBytesPerConnection =>
        RssHalf is long h && RssAfter is long a && Settings.Connections - Half > 0 ? (double)(a - h) / (Settings.Connections - Half) : null;

    public string ToTable()
    {
        var t = new TextTable("connections", "connect s", "accepts/s", "rss before MB", "at half MB", "rss after MB", "per connection",
            "marginal", "still connected");
        t.Row(Settings.Connections.ToString(CultureInfo.InvariantCulture), Tables.F(ConnectSeconds, "0.00"), Tables.F(AcceptsPerSecond, "N0"),
            RssBefore is long b ? Tables.F(b / 1048576.0, "0.0") : "-", RssHalf is long h ? Tables.F(h / 1048576.0, "0.0") : "-",
            RssAfter is long a ? Tables.F(a / 1048576.0, "0.0") : "-",
            BytesPerConnection is double p ? Tables.F(p / 1024, "0.00") + " KiB" : "-",
            MarginalBytesPerConnection is double m ? Tables.F(m / 1024, "0.00") + " KiB" : "-",
            StillConnected.ToString(CultureInfo.InvariantCulture));
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"idle: {Target.Label} ({Target.Protocol.Name}) at {Target.EndPoint}, {Settings.Connections} registered clients in rooms of {Settings.RoomSize}, memory read {Settings.SettleSeconds:0.#} s after the last joined");
        sb.Append(t);
        if (Disconnected is { } d) sb.AppendLine($"disconnected: {d}");
        return sb.ToString();
    }

    public object ToJsonObject() => new
    {
        workload = "idle",
        label = Target.Label,
        protocol = Target.Protocol.Name,
        connections = Settings.Connections,
        roomSize = Settings.RoomSize,
        connectSeconds = Math.Round(ConnectSeconds, 3),
        acceptsPerSecond = Math.Round(AcceptsPerSecond, 1),
        rssBeforeBytes = RssBefore,
        rssHalfBytes = RssHalf,
        rssAfterBytes = RssAfter,
        bytesPerConnection = BytesPerConnection is double p ? Math.Round(p, 1) : (double?)null,
        marginalBytesPerConnection = MarginalBytesPerConnection is double m ? Math.Round(m, 1) : (double?)null,
        stillConnected = StillConnected,
        disconnected = Disconnected,
        serverCpuSeconds = ServerCpuSeconds is double c ? Math.Round(c, 3) : (double?)null,
    };
}

/// <summary>
/// Idle connections: N clients connect, register and join rooms of a few (from several 127.0.0.x source addresses past
/// <see cref="Target.PerAddress"/>), then say nothing. The server's RSS above what it was before, per connection, and
/// how fast it took them in (connected and joined per second). They come in two halves, each followed by the settle
/// time, so that the RSS at half shows what one more connection costs apart from costs paid once.
/// </summary>
public static class IdleWorkload
{
    public static async Task<IdleResult> RunAsync(Target target, IdleSettings s, ProgressLine progress, CancellationToken cancel)
    {
        long? before = target.ServerPid is int pid ? ProcStats.RssBytes(pid) : null;
        var cpu = new CpuMeter(target.ServerPid);
        string run = Clients.NewRunToken();
        var clock = Stopwatch.StartNew();
        int half = s.Connections / 2;
        (string, string, bool) Spec(int k) => ($"{run}{k}", target.Protocol.RoomName($"{run}r{k / s.RoomSize}"), false);
        var clients = new List<BenchConnection>(s.Connections);
        try
        {
            clients.AddRange(await Clients.ConnectAsync(target, half, Spec, NoMessages.Instance, 2048, s.Concurrency, progress,
                $"{half} idle clients (first half)", cancel, TimeSpan.FromSeconds(120), first: 0, ofAll: s.Connections));
            double seconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(s.SettleSeconds), cancel);
            long? atHalf = target.ServerPid is int p1 ? ProcStats.RssBytes(p1) : null;
            clock.Restart();
            clients.AddRange(await Clients.ConnectAsync(target, s.Connections - half, Spec, NoMessages.Instance, 2048, s.Concurrency,
                progress, $"{s.Connections - half} idle clients (second half)", cancel, TimeSpan.FromSeconds(120), first: half, ofAll: s.Connections));
            seconds += clock.Elapsed.TotalSeconds;
            progress.Line($"{target.Label}: {s.Connections} connected and joined in {seconds:0.00} s ({s.Connections / seconds:N0}/s)");
            await Task.Delay(TimeSpan.FromSeconds(s.SettleSeconds), cancel);
            long? after = target.ServerPid is int p ? ProcStats.RssBytes(p) : null;
            var closed = Clients.FirstClosed(clients);
            return new IdleResult(target, s, seconds, before, atHalf, after, clients.Count(c => c.ClosedReason is null),
                closed is null ? null : $"{closed.Nick}: {closed.ClosedReason}", cpu.Elapsed);
        }
        finally
        {
            await Clients.DisposeAllAsync(clients);
        }
    }

    private sealed class NoMessages : IMessageSink
    {
        public static readonly NoMessages Instance = new();

        public void OnMessage(BenchConnection connection, ReadOnlySpan<byte> text, long now) { }
    }
}
