using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using TcpChat.Bench.Load;
using TcpChat.Bench.Stats;

namespace TcpChat.Bench.Workloads;

public sealed record RoomsSettings(int Clients, int RoomSize, double IntervalSeconds, double Seconds, double WarmupSeconds, int Size,
    int Concurrency)
{
    public string? Problem() =>
        Clients < 2 ? "--clients must be at least 2"
        : RoomSize < 2 ? "--room-size must be at least 2"
        : IntervalSeconds <= 0 ? "--interval must be above 0"
        : Seconds <= 0 ? "--seconds must be above 0"
        : null;

    /// <summary>Members of the room client <paramref name="k"/> is in (the last room may be smaller).</summary>
    public int MembersOfRoomOf(int k)
    {
        int room = k / RoomSize;
        return Math.Min(RoomSize, Clients - room * RoomSize);
    }
}

public sealed record RoomsResult(Target Target, RoomsSettings Settings, long Sent, long Expected, long Delivered, LatencyHistogram Latency,
    double? ServerCpuSeconds, double? ClientCpuSeconds, string? Disconnected)
{
    public long Lost => Expected - Delivered;

    public double? ServerCpuShare => ServerCpuSeconds / Settings.Seconds;

    public string ToTable()
    {
        var t = new TextTable("msg/s", "deliveries", "lost", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "server cpu");
        t.Row(Tables.F(Settings.Clients / Settings.IntervalSeconds, "0"), Delivered.ToString(CultureInfo.InvariantCulture),
            Lost.ToString(CultureInfo.InvariantCulture), Tables.F(StepResult.Ms(Latency.Percentile(50)), "0.000"),
            Tables.F(StepResult.Ms(Latency.Percentile(99)), "0.000"), Tables.F(StepResult.Ms(Latency.Percentile(99.9)), "0.000"),
            Tables.F(StepResult.Ms(Latency.Max), "0.000"), ServerCpuShare is double c ? Tables.F(c * 100, "0.0") + "%" : "-");
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"rooms: {Target.Label} ({Target.Protocol.Name}) at {Target.EndPoint}, {Settings.Clients} clients in rooms of {Settings.RoomSize}, each sending every {Settings.IntervalSeconds:0.#} s, measured {Settings.Seconds:0.#} s after {Settings.WarmupSeconds:0.#} s");
        sb.Append(t);
        if (Disconnected is { } d) sb.AppendLine($"disconnected: {d}");
        return sb.ToString();
    }

    public object ToJsonObject() => new
    {
        workload = "rooms",
        label = Target.Label,
        protocol = Target.Protocol.Name,
        clients = Settings.Clients,
        roomSize = Settings.RoomSize,
        intervalSeconds = Settings.IntervalSeconds,
        seconds = Settings.Seconds,
        sent = Sent,
        expected = Expected,
        delivered = Delivered,
        lost = Lost,
        latencyMs = Tables.LatencyJson(Latency),
        serverCpuSeconds = ServerCpuSeconds is double s ? Math.Round(s, 3) : (double?)null,
        serverCpuShare = ServerCpuShare is double c ? Math.Round(c, 4) : (double?)null,
        clientCpuShare = ClientCpuSeconds is double cc ? Math.Round(cc / Settings.Seconds, 3) : (double?)null,
        disconnected = Disconnected,
    };
}

/// <summary>
/// Many rooms: clients in rooms of a few, each sending on its own schedule, all of them spread evenly over the
/// interval (client k sends at k/N of it). Latency from each message's scheduled time, over the measured window; server
/// CPU over the same window; every delivery counted.
/// </summary>
public static class RoomsWorkload
{
    public static async Task<RoomsResult> RunAsync(Target target, RoomsSettings s, ProgressLine progress, CancellationToken cancel)
    {
        if (s.Size < Payload.MinSize || s.Size > target.Protocol.MaxText)
            throw new BenchException($"--size must be {Payload.MinSize}-{target.Protocol.MaxText} bytes for {target.Protocol.Name}");
        string run = Clients.NewRunToken();
        var sink = new Sink();
        var clients = await Clients.ConnectAsync(target, s.Clients,
            // Every client both sends and receives: none is a "publisher" (for NATS, that would mean no subscription).
            k => ($"{run}{k}", target.Protocol.RoomName($"{run}r{k / s.RoomSize}"), false),
            sink, 16 * 1024, s.Concurrency, progress, $"{s.Clients} clients joining rooms of {s.RoomSize}", cancel);
        try
        {
            double rate = s.Clients / s.IntervalSeconds;
            long count = (long)Math.Round(rate * (s.WarmupSeconds + s.Seconds));
            long start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20;
            var schedule = new RateSchedule(rate, count, start, Stopwatch.Frequency);
            sink.MeasureFrom = start + (long)(s.WarmupSeconds * Stopwatch.Frequency);
            sink.MeasureUntil = start + (long)((s.WarmupSeconds + s.Seconds) * Stopwatch.Frequency);
            long expected = 0;
            for (long i = 0; i < count; i++) expected += s.MembersOfRoomOf((int)(i % s.Clients)) - 1;

            var pacer = new Pacer(schedule, TimeProvider.System);
            var serverCpu = new CpuMeter(target.ServerPid);
            var clientCpu = new CpuMeter(ProcStats.Self);
            double? cpu = null, mine = null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var sending = Task.Factory.StartNew(() => Send(target, s.Size, clients, schedule, pacer, sink.MeasureFrom, serverCpu, clientCpu, stop.Token),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            long Delivered() => clients.Sum(c => Volatile.Read(ref c.Received));
            using (progress.Every(() => $"{target.Label}: rooms: sent {pacer.Sent}/{count}, delivered {Delivered()}/{expected}, "
                + $"p99 {StepResult.Ms(sink.Latency.Percentile(99)):0.0} ms"))
            {
                long deadline = schedule.End + 5 * Stopwatch.Frequency;
                while (!(sending.IsCompleted && Delivered() >= expected) && Stopwatch.GetTimestamp() < deadline
                    && Clients.FirstClosed(clients) is null && !sending.IsFaulted)
                    await Task.Delay(10, cancel);
                stop.Cancel();
                try { (cpu, mine) = await sending; }
                catch (Exception e) when (e is BenchException or OperationCanceledException) { }
            }
            var closed = Clients.FirstClosed(clients);
            var result = new RoomsResult(target, s, pacer.Sent, expected, Delivered(), sink.Latency, cpu, mine,
                closed is null ? null : $"{closed.Nick}: {closed.ClosedReason}");
            progress.Line($"{target.Label}: rooms: p99 {StepResult.Ms(sink.Latency.Percentile(99)):0.00} ms, lost {result.Lost}");
            return result;
        }
        finally
        {
            await Clients.DisposeAllAsync(clients);
        }
    }

    /// <summary>The sender thread: each due message through its own client. Returns the CPU of the measured window.</summary>
    private static (double? Server, double? Client) Send(Target target, int size, BenchConnection[] clients, RateSchedule schedule,
        Pacer pacer, long measureFrom, CpuMeter serverCpu, CpuMeter clientCpu, CancellationToken cancel)
    {
        Pacer.PrepareThread();
        var frame = new ArrayBufferWriter<byte>(1024);
        byte[] text = new byte[size];
        bool measuring = false;
        while (true)
        {
            var (first, n) = pacer.Next(ticks => Pacer.RealWait(ticks, Stopwatch.Frequency), cancel);
            if (!measuring && Stopwatch.GetTimestamp() >= measureFrom)
            {
                measuring = true;
                serverCpu.Restart();
                clientCpu.Restart();
            }
            if (n == 0) break;
            for (long i = first; i < first + n; i++)
            {
                var c = clients[(int)(i % clients.Length)];
                frame.ResetWrittenCount();
                Payload.Write(text, i, schedule.SendTime(i), c.Index);
                target.Protocol.WritePublish(frame, c.Room, text);
                c.Send(frame.WrittenSpan);
            }
        }
        // The CPU of the measured window: up to the last scheduled send.
        return (serverCpu.Elapsed, clientCpu.Elapsed);
    }

    /// <summary>Counts deliveries (not the sender's own echo) and their latency inside the measured window.</summary>
    private sealed class Sink : IMessageSink
    {
        public long MeasureFrom = long.MaxValue, MeasureUntil = long.MaxValue;
        public readonly LatencyHistogram Latency = new();

        public void OnMessage(BenchConnection c, ReadOnlySpan<byte> text, long now)
        {
            if (!Payload.TryRead(text, out _, out long scheduled, out int sender) || sender == c.Index) return;
            Volatile.Write(ref c.Received, c.Received + 1);
            if (scheduled >= MeasureFrom && scheduled < MeasureUntil) Latency.Record(now - scheduled);
        }
    }
}
