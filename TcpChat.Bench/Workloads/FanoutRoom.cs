using System.Buffers;
using System.Diagnostics;
using TcpChat.Bench.Load;
using TcpChat.Bench.Stats;

namespace TcpChat.Bench.Workloads;

/// <summary>What one open-loop step of a fan-out room measured.</summary>
public sealed record StepResult(
    double Rate, int Receivers, long Sent, long Expected, long Delivered, long Gaps, string? Disconnected,
    double Seconds, double DeliveriesPerSecond, double? ServerCpuSeconds, double? ClientCpuSeconds, LatencyHistogram Latency,
    bool Drained, double? OtherCores = null, IReadOnlyDictionary<int, double>? CpuSecondsByPid = null)
{
    /// <summary>Other processes used this much CPU meanwhile (in cores): the step shared the machine.</summary>
    public bool Disturbed => OtherCores > 0.15;

    public long Lost => Expected - Delivered;

    /// <summary>Server CPU nanoseconds per delivery (with --system-pids: of the whole system under test), when the server's process is known.</summary>
    public double? CpuNsPerDelivery => ServerCpuSeconds is double s && Delivered > 0 ? s * 1e9 / Delivered : null;

    /// <summary>The load generator's share of its core: near 100% means the figure is the client's limit, not the server's.</summary>
    public double? ClientCpuShare => ClientCpuSeconds is double c && Seconds > 0 ? c / Seconds : null;

    public double OfferedDeliveriesPerSecond => Rate * Receivers;

    /// <summary>Why the step does not count (null: it passed).</summary>
    public string? Failure(double maxLagMs) =>
        Disconnected is not null ? $"disconnected: {Disconnected}"
        : Gaps > 0 ? $"{Gaps} messages missing or out of order"
        : Lost > 0 ? $"{Lost} of {Expected} deliveries not made{(Drained ? "" : " (still arriving)")}"
        : Ms(Latency.Percentile(99)) > maxLagMs ? $"p99 {Ms(Latency.Percentile(99)):0} ms over the {maxLagMs:0} ms allowed: the server fell behind"
        : null;

    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// One room of N receivers and one sender, for the fan-out, latency and growth workloads. <see cref="StepAsync"/> sends
/// at a fixed rate, open loop, for a while, and measures every delivery: its latency from the message's scheduled send
/// time, gaps, disconnects, and the CPU the server used.
/// </summary>
public sealed class FanoutRoom : IMessageSink, IAsyncDisposable
{
    /// <summary>The longest a step waits for its deliveries after the last send (plus a second), whatever the lag allowed.</summary>
    public const double MaxWaitAfterLastSendMs = 30_000;

    private readonly Target _target;
    private readonly BenchConnection[] _receivers;
    private readonly BenchConnection _sender;
    private readonly byte[] _text;
    private LatencyHistogram _latency = new();
    private long _nextSeq;

    private FanoutRoom(Target target, BenchConnection[] receivers, BenchConnection sender, int size)
    {
        _target = target;
        _receivers = receivers;
        _sender = sender;
        _text = new byte[size];
    }

    public int Receivers => _receivers.Length;

    public static async Task<FanoutRoom> OpenAsync(Target target, int receivers, int size, int concurrency, ProgressLine progress,
        CancellationToken cancel)
    {
        if (size < Payload.MinSize || size > target.Protocol.MaxText)
            throw new BenchException($"--size must be {Payload.MinSize}-{target.Protocol.MaxText} bytes for {target.Protocol.Name}");
        string run = Clients.NewRunToken();
        string room = target.Protocol.RoomName(run);
        var sink = new Forward();
        var all = await Clients.ConnectAsync(target, receivers + 1,
            i => i < receivers ? ($"{run}{i}", room, false) : ($"{run}s", room, true),
            sink, 64 * 1024, concurrency, progress, $"{receivers} receivers and 1 sender joining {room}", cancel);
        var fanout = new FanoutRoom(target, all[..receivers], all[receivers], size);
        sink.To = fanout;
        return fanout;
    }

    /// <summary>Sends <paramref name="rate"/> messages a second for <paramref name="seconds"/>, then waits for them.</summary>
    /// <param name="maxLagMs">How long after the last send the deliveries may still arrive before they count as lost.</param>
    public async Task<StepResult> StepAsync(double rate, double seconds, double maxLagMs, ProgressLine progress, string label,
        CancellationToken cancel)
    {
        long count = Math.Max(1, (long)Math.Round(rate * seconds));
        long firstSeq = _nextSeq;
        _nextSeq += count;
        var latency = new LatencyHistogram();
        Volatile.Write(ref _latency, latency);
        long receivedBefore = _receivers.Sum(r => Volatile.Read(ref r.Received));
        long gapsBefore = _receivers.Sum(r => Volatile.Read(ref r.Gaps));
        var serverCpu = new SystemCpuMeter(_target.SystemPids);
        var clientCpu = new CpuMeter(ProcStats.Self);
        var interference = new InterferenceMeter(_target.SystemPids);

        long start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 50; // 20 ms from now
        var schedule = new RateSchedule(rate, count, start, Stopwatch.Frequency);
        var pacer = new Pacer(schedule, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var sending = RunSender(schedule, pacer, firstSeq, stop.Token);
        long Delivered() => _receivers.Sum(r => Volatile.Read(ref r.Received)) - receivedBefore;
        using (progress.Every(() => $"{_target.Label}: {label} {rate:0} msg/s to {_receivers.Length}: sent {pacer.Sent}/{count}, "
            + $"delivered {Delivered()}/{count * _receivers.Length}, p99 {StepResult.Ms(latency.Percentile(99)):0.0} ms"))
        {
            // Until every delivery is made, a connection closes, or the lag allowed after the last send has passed.
            // Twice the lag, capped: the latency workload allows any lag (double.MaxValue), whose ticks would overflow.
            double waitMs = Math.Min(Math.Max(maxLagMs, 200) * 2, MaxWaitAfterLastSendMs);
            long deadline = schedule.End + (long)(waitMs / 1000 * Stopwatch.Frequency) + Stopwatch.Frequency;
            while (true)
            {
                if (sending.IsFaulted) break;
                if (Clients.FirstClosed(_receivers.Append(_sender)) is not null) break;
                if (sending.IsCompleted && Delivered() >= count * _receivers.Length) break;
                if (Stopwatch.GetTimestamp() > deadline) break;
                await Task.Delay(5, cancel);
            }
            stop.Cancel();
            try { await sending; }
            catch (BenchException) { } // the sender's connection closed: reported below
            _nextSeq = firstSeq + pacer.Sent; // a sender stopped early sent fewer than scheduled
        }
        var cpuByPid = serverCpu.ByPid;
        double? cpu = cpuByPid?.Values.Sum(), mine = clientCpu.Elapsed;
        long delivered = Delivered();
        long last = _receivers.Max(r => Volatile.Read(ref r.LastAt));
        double elapsed = Math.Max(1e-6, (double)(Math.Max(last, schedule.End) - start) / Stopwatch.Frequency);
        var closed = Clients.FirstClosed(_receivers.Append(_sender));
        return new StepResult(rate, _receivers.Length, pacer.Sent, count * _receivers.Length, delivered,
            _receivers.Sum(r => Volatile.Read(ref r.Gaps)) - gapsBefore, closed is null ? null : $"{closed.Nick}: {closed.ClosedReason}",
            elapsed, delivered / elapsed, cpu, mine, latency, delivered >= count * _receivers.Length, interference.OtherCores(), cpuByPid);
    }

    /// <summary>
    /// Waits until every receiver has every message sent so far: after a step the server fell behind in, so that the
    /// next step starts clean without building the room again (thousands of joins take minutes on some servers).
    /// False when a connection closed or the messages did not all arrive within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancel)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (Clients.FirstClosed(_receivers.Append(_sender)) is not null) return false;
            if (_receivers.All(r => Volatile.Read(ref r.NextSeq) >= _nextSeq)) return _receivers.All(r => r.Gaps == 0);
            await Task.Delay(20, cancel);
        }
        return false;
    }

    /// <summary>The sender, on its own thread so that it wakes on time: each due batch is one write.</summary>
    private Task RunSender(RateSchedule schedule, Pacer pacer, long firstSeq, CancellationToken cancel)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Pacer.PrepareThread();
                var batch = new ArrayBufferWriter<byte>(64 * 1024);
                while (true)
                {
                    var (first, n) = pacer.Next(ticks => Pacer.RealWait(ticks, Stopwatch.Frequency), cancel);
                    if (n == 0) break;
                    batch.ResetWrittenCount();
                    for (long i = first; i < first + n; i++)
                    {
                        Payload.Write(_text, firstSeq + i, schedule.SendTime(i), _sender.Index);
                        _target.Protocol.WritePublish(batch, _sender.Room, _text);
                    }
                    _sender.Send(batch.WrittenSpan);
                }
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = "sender", Priority = ThreadPriority.AboveNormal };
        thread.Start();
        return done.Task;
    }

    void IMessageSink.OnMessage(BenchConnection c, ReadOnlySpan<byte> text, long now)
    {
        if (c.IsPublisher) return; // TcpChat's echo to the sender: not a delivery
        if (!Payload.TryRead(text, out long seq, out long scheduled, out _)) return;
        if (seq != c.NextSeq && c.Received > 0) c.Gaps += Math.Abs(seq - c.NextSeq);
        c.NextSeq = seq + 1;
        c.LastAt = now;
        Volatile.Write(ref c.Received, c.Received + 1);
        Volatile.Read(ref _latency).Record(now - scheduled);
    }

    public async ValueTask DisposeAsync() => await Clients.DisposeAllAsync(_receivers.Append(_sender));

    /// <summary>The sink the connections are made with, before the room exists.</summary>
    private sealed class Forward : IMessageSink
    {
        public IMessageSink? To;

        public void OnMessage(BenchConnection c, ReadOnlySpan<byte> text, long now) => To?.OnMessage(c, text, now);
    }
}
