using System.Globalization;
using System.Text;
using TcpChat.Bench.Load;

namespace TcpChat.Bench.Workloads;

public sealed record LatencySettings(int Receivers, int Size, double Rate, double Seconds, double WarmupSeconds, int Concurrency)
{
    public string? Problem() =>
        Receivers < 1 ? "--receivers must be at least 1"
        : !(Rate > 0) ? "--rate must be above 0"
        : Seconds <= 0 ? "--seconds must be above 0"
        : null;
}

public sealed record LatencyResult(Target Target, LatencySettings Settings, StepResult Step)
{
    public string ToTable()
    {
        var h = Step.Latency;
        var t = new TextTable("p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "mean ms", "deliveries", "lost", "srv ns/del");
        t.Row(Tables.F(StepResult.Ms(h.Percentile(50)), "0.000"), Tables.F(StepResult.Ms(h.Percentile(90)), "0.000"),
            Tables.F(StepResult.Ms(h.Percentile(99)), "0.000"), Tables.F(StepResult.Ms(h.Percentile(99.9)), "0.000"),
            Tables.F(StepResult.Ms(h.Max), "0.000"), Tables.F(StepResult.Ms((long)h.Mean), "0.000"),
            Step.Delivered.ToString(CultureInfo.InvariantCulture), Step.Lost.ToString(CultureInfo.InvariantCulture),
            Step.CpuNsPerDelivery is double ns ? Tables.F(ns, "0") : "-");
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"latency: {Target.Label} ({Target.Protocol.Name}) at {Target.Where}, {Settings.Receivers} receivers, {Settings.Rate:0} msg/s of {Settings.Size} bytes for {Settings.Seconds:0.#} s; send-to-receive from the scheduled send time");
        sb.Append(t);
        if (Step.Disconnected is { } d) sb.AppendLine($"disconnected: {d}");
        return sb.ToString();
    }

    public object ToJsonObject() => new
    {
        workload = "latency",
        label = Target.Label,
        protocol = Target.Protocol.Name,
        nodes = Target.Nodes.Count,
        receivers = Settings.Receivers,
        rate = Settings.Rate,
        size = Settings.Size,
        seconds = Settings.Seconds,
        latencyMs = Tables.LatencyJson(Step.Latency),
        delivered = Step.Delivered,
        lost = Step.Lost,
        disconnected = Step.Disconnected,
        sent = Step.Sent,
        serverCpuSeconds = Step.ServerCpuSeconds is double s ? Math.Round(s, 3) : (double?)null,
        cpuSecondsByPid = Step.CpuSecondsByPid?.ToDictionary(x => x.Key.ToString(CultureInfo.InvariantCulture), x => Math.Round(x.Value, 3)),
        cpuNsPerDelivery = Step.CpuNsPerDelivery is double n ? Math.Round(n, 1) : (double?)null,
        clientCpuShare = Step.ClientCpuShare is double c ? Math.Round(c, 3) : (double?)null,
    };
}

/// <summary>
/// Latency: the fan-out room at a fixed, modest rate; every delivery's time from the message's <em>scheduled</em> send
/// time to its arrival, so a stall delays the measured messages instead of the sending (no coordinated omission).
/// </summary>
public static class LatencyWorkload
{
    public static async Task<LatencyResult> RunAsync(Target target, LatencySettings s, ProgressLine progress, CancellationToken cancel)
    {
        await using var room = await FanoutRoom.OpenAsync(target, s.Receivers, s.Size, s.Concurrency, progress, cancel);
        if (s.WarmupSeconds > 0) await room.StepAsync(s.Rate, s.WarmupSeconds, double.MaxValue, progress, "warm-up", cancel);
        var step = await room.StepAsync(s.Rate, s.Seconds, double.MaxValue, progress, "latency", cancel);
        progress.Line($"{target.Label}: latency at {s.Rate:0} msg/s x {s.Receivers}: {FanoutWorkload.Describe(step, double.MaxValue)}");
        return new LatencyResult(target, s, step);
    }
}
