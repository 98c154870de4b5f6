using System.Globalization;
using System.Text;
using TcpChat.Bench.Load;

namespace TcpChat.Bench.Workloads;

/// <param name="Rates">The rates tried, in messages per second, lowest first.</param>
/// <param name="Refine">Steps of bisection between the last rate that passed and the first that failed.</param>
/// <param name="MaxLagMs">The p99 latency above which a step counts as the server falling behind.</param>
public sealed record FanoutSettings(int Receivers, int Size, double[] Rates, double StepSeconds, int Refine, double MaxLagMs,
    double WarmupSeconds, int Concurrency)
{
    public static readonly double[] DefaultRates = [200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000];

    public string? Problem() =>
        Receivers < 1 ? "--receivers must be at least 1"
        : Rates.Length == 0 || Rates.Any(r => !(r > 0)) ? "--rates must be positive numbers"
        : StepSeconds <= 0 ? "--step-seconds must be above 0"
        : Refine < 0 ? "--refine must be 0 or more"
        : Concurrency < 1 ? "--concurrency must be at least 1"
        : null;
}

/// <summary>The steps of one search and the best of them.</summary>
public sealed record FanoutResult(Target Target, FanoutSettings Settings, IReadOnlyList<StepResult> Steps, StepResult? Best)
{
    public string ToTable() => Tables.Steps(Target, Settings, Steps, Best);

    public object ToJsonObject() => new
    {
        workload = "fanout",
        label = Target.Label,
        protocol = Target.Protocol.Name,
        nodes = Target.Nodes.Count,
        receivers = Settings.Receivers,
        size = Settings.Size,
        stepSeconds = Settings.StepSeconds,
        best = Best is null ? null : Tables.StepJson(Best, Settings.MaxLagMs),
        steps = Steps.Select(s => Tables.StepJson(s, Settings.MaxLagMs)),
    };
}

/// <summary>
/// Fan-out: N receivers and 1 sender in one room; the rate is stepped up, open loop, and each step is judged: every
/// delivery made, in order, no disconnect, p99 within the lag allowed. The result is the highest deliveries/s of a step
/// that passed, with the server CPU time per delivery.
/// </summary>
public static class FanoutWorkload
{
    public static async Task<FanoutResult> RunAsync(Target target, FanoutSettings s, ProgressLine progress, CancellationToken cancel)
    {
        var steps = new List<StepResult>();
        FanoutRoom? room = null;
        try
        {
            room = await FanoutRoom.OpenAsync(target, s.Receivers, s.Size, s.Concurrency, progress, cancel);
            if (s.WarmupSeconds > 0)
            {
                var warm = await room.StepAsync(s.Rates[0], s.WarmupSeconds, s.MaxLagMs, progress, "warm-up", cancel);
                progress.Line($"{target.Label}: warm-up at {s.Rates[0]:0} msg/s: {Describe(warm, s.MaxLagMs)}");
                if (warm.Failure(s.MaxLagMs) is not null) room = await RecoverAsync(room, warm, target, s, progress, cancel);
            }

            double? pass = null, fail = null;
            async Task<bool> Try(double rate)
            {
                for (int attempt = 1; ; attempt++)
                {
                    var step = await room!.StepAsync(rate, s.StepSeconds, s.MaxLagMs, progress, "step", cancel);
                    progress.Line($"{target.Label}: {rate:0} msg/s x {s.Receivers}: {Describe(step, s.MaxLagMs)}");
                    bool ok = step.Failure(s.MaxLagMs) is null;
                    if (ok)
                    {
                        steps.Add(step);
                        await Task.Delay(200, cancel);
                        return true;
                    }
                    room = await RecoverAsync(room, step, target, s, progress, cancel);
                    // A step that failed while other processes took CPU says nothing about the server: once more, quieter.
                    if (step.Disturbed && attempt < 3)
                    {
                        progress.Line($"{target.Label}: other processes used {step.OtherCores:0.00} cores during that step: trying it again");
                        await Machine.WaitQuietAsync(TimeSpan.FromSeconds(30), cancel);
                        continue;
                    }
                    steps.Add(step);
                    return false;
                }
            }
            foreach (double rate in s.Rates)
            {
                if (await Try(rate)) pass = rate;
                else
                {
                    fail = rate;
                    break;
                }
            }
            for (int k = 0; k < s.Refine && fail is double hi; k++)
            {
                double lo = pass ?? 0;
                double mid = lo > 0 ? Math.Sqrt(lo * hi) : hi / 2;
                if (await Try(mid)) pass = mid;
                else fail = mid;
            }
        }
        finally
        {
            if (room is not null) await room.DisposeAsync();
        }
        var best = steps.Where(x => x.Failure(s.MaxLagMs) is null).MaxBy(x => x.DeliveriesPerSecond);
        return new FanoutResult(target, s, steps, best);
    }

    /// <summary>
    /// After a failed step: when nobody was disconnected and nothing lost, waits for the backlog to arrive and goes on in
    /// the same room; otherwise the next step gets a fresh room.
    /// </summary>
    private static async Task<FanoutRoom?> RecoverAsync(FanoutRoom? room, StepResult failed, Target target, FanoutSettings s,
        ProgressLine progress, CancellationToken cancel)
    {
        if (room is not null && failed.Disconnected is null && failed.Gaps == 0
            && await room.DrainAsync(TimeSpan.FromSeconds(60), cancel))
        {
            await Machine.WaitServerIdleAsync(target.ServerPid, TimeSpan.FromSeconds(30), cancel);
            return room;
        }
        if (room is not null) await room.DisposeAsync();
        // An overloaded server may still be working through queues of the clients just closed.
        await Machine.WaitServerIdleAsync(target.ServerPid, TimeSpan.FromSeconds(60), cancel);
        await Task.Delay(500, cancel);
        return await FanoutRoom.OpenAsync(target, s.Receivers, s.Size, s.Concurrency, progress, cancel);
    }

    public static string Describe(StepResult step, double maxLagMs) =>
        I($"{step.DeliveriesPerSecond:N0} deliveries/s, p99 {StepResult.Ms(step.Latency.Percentile(99)):0.00} ms, ")
        + I($"max {StepResult.Ms(step.Latency.Max):0.00} ms")
        + (step.CpuNsPerDelivery is double ns ? I($", server CPU {ns:0} ns/delivery") : "")
        + (step.ClientCpuShare is double c ? I($", client CPU {c * 100:0}%") : "")
        + (step.Failure(maxLagMs) is { } why ? $" -- FAILED: {why}" : " -- ok");

    private static string I(FormattableString s) => FormattableString.Invariant(s);
}

/// <summary>Text tables and JSON shapes shared by the workloads.</summary>
internal static class Tables
{
    public static string Steps(Target target, FanoutSettings s, IReadOnlyList<StepResult> steps, StepResult? best)
    {
        var t = new TextTable("msg/s", "offered del/s", "delivered/s", "p50 ms", "p99 ms", "max ms", "lost", "srv ns/del", "client cpu", "verdict");
        foreach (var x in steps)
            t.Row(F(x.Rate, "0"), F(x.OfferedDeliveriesPerSecond, "N0"), F(x.DeliveriesPerSecond, "N0"),
                F(StepResult.Ms(x.Latency.Percentile(50)), "0.00"), F(StepResult.Ms(x.Latency.Percentile(99)), "0.00"),
                F(StepResult.Ms(x.Latency.Max), "0.00"), x.Lost.ToString(CultureInfo.InvariantCulture),
                x.CpuNsPerDelivery is double ns ? F(ns, "0") : "-", x.ClientCpuShare is double c ? F(c * 100, "0") + "%" : "-",
                x.Failure(s.MaxLagMs) is null ? "ok" : "FAILED");
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"fanout: {target.Label} ({target.Protocol.Name}) at {target.Where}, {s.Receivers} receivers, 1 sender, {s.Size}-byte messages, {s.StepSeconds:0.#} s a step");
        sb.Append(t);
        sb.AppendLine(best is null
            ? "no step passed: lower --rates"
            : FormattableString.Invariant($"best: {best.DeliveriesPerSecond:N0} deliveries/s with no loss and no disconnect")
                + (best.CpuNsPerDelivery is double b ? FormattableString.Invariant($", server CPU {b:0} ns per delivery") : ""));
        foreach (var x in steps.Where(x => x.Failure(s.MaxLagMs) is not null))
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {x.Rate:0} msg/s failed: {x.Failure(s.MaxLagMs)}");
        return sb.ToString();
    }

    public static object StepJson(StepResult s, double maxLagMs) => new
    {
        rate = Math.Round(s.Rate, 1),
        receivers = s.Receivers,
        sent = s.Sent,
        expected = s.Expected,
        delivered = s.Delivered,
        lost = s.Lost,
        gaps = s.Gaps,
        disconnected = s.Disconnected,
        seconds = Math.Round(s.Seconds, 4),
        deliveriesPerSecond = Math.Round(s.DeliveriesPerSecond, 1),
        latencyMs = LatencyJson(s.Latency),
        serverCpuSeconds = s.ServerCpuSeconds is double c ? Math.Round(c, 3) : (double?)null,
        cpuSecondsByPid = s.CpuSecondsByPid?.ToDictionary(x => x.Key.ToString(CultureInfo.InvariantCulture), x => Math.Round(x.Value, 3)),
        cpuNsPerDelivery = s.CpuNsPerDelivery is double n ? Math.Round(n, 1) : (double?)null,
        clientCpuShare = s.ClientCpuShare is double cc ? Math.Round(cc, 3) : (double?)null,
        passed = s.Failure(maxLagMs) is null,
        failure = s.Failure(maxLagMs),
        otherCores = s.OtherCores is double o ? Math.Round(o, 3) : (double?)null,
    };

    public static object LatencyJson(Stats.LatencyHistogram h) => new
    {
        count = h.Count,
        p50 = Math.Round(StepResult.Ms(h.Percentile(50)), 3),
        p90 = Math.Round(StepResult.Ms(h.Percentile(90)), 3),
        p99 = Math.Round(StepResult.Ms(h.Percentile(99)), 3),
        p999 = Math.Round(StepResult.Ms(h.Percentile(99.9)), 3),
        max = Math.Round(StepResult.Ms(h.Max), 3),
        mean = Math.Round(StepResult.Ms((long)h.Mean), 3),
    };

    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>A plain text table, columns padded to their widest cell.</summary>
internal sealed class TextTable(params string[] header)
{
    private readonly List<string[]> _rows = [header];

    public void Row(params string[] cells) => _rows.Add(cells);

    public override string ToString()
    {
        int[] widths = Enumerable.Range(0, header.Length).Select(i => _rows.Max(r => i < r.Length ? r[i].Length : 0)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in _rows)
            sb.AppendLine(string.Join("  ", r.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        return sb.ToString();
    }
}
