using System.Globalization;
using System.Text;
using TcpChat.Bench.Load;

namespace TcpChat.Bench.Workloads;

/// <param name="DeliveryRates">Deliveries per second tried at every size (messages/s = deliveries/s / receivers).</param>
public sealed record GrowthSettings(int[] ReceiverCounts, int Size, double[] DeliveryRates, double StepSeconds, int Refine,
    double MaxLagMs, double WarmupSeconds, int Concurrency)
{
    public static readonly double[] DefaultDeliveryRates = [50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000];

    public string? Problem() =>
        ReceiverCounts.Length == 0 || ReceiverCounts.Any(n => n < 1) ? "--receivers must be numbers from 1"
        : DeliveryRates.Length == 0 || DeliveryRates.Any(r => !(r > 0)) ? "--delivery-rates must be positive numbers"
        : null;

    public FanoutSettings For(int receivers) =>
        new(receivers, Size, DeliveryRates.Select(d => d / receivers).ToArray(), StepSeconds, Refine, MaxLagMs, WarmupSeconds, Concurrency);
}

public sealed record GrowthResult(Target Target, GrowthSettings Settings, IReadOnlyList<FanoutResult> Points)
{
    public string ToTable()
    {
        var t = new TextTable("receivers", "deliveries/s", "msg/s", "p99 ms", "srv ns/del", "client cpu");
        foreach (var p in Points)
        {
            var b = p.Best;
            t.Row(p.Settings.Receivers.ToString(CultureInfo.InvariantCulture),
                b is null ? "-" : Tables.F(b.DeliveriesPerSecond, "N0"), b is null ? "-" : Tables.F(b.Rate, "0"),
                b is null ? "-" : Tables.F(StepResult.Ms(b.Latency.Percentile(99)), "0.00"),
                b?.CpuNsPerDelivery is double ns ? Tables.F(ns, "0") : "-",
                b?.ClientCpuShare is double c ? Tables.F(c * 100, "0") + "%" : "-");
        }
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"growth: {Target.Label} ({Target.Protocol.Name}) at {Target.Where}: the best fan-out step at each room size, {Settings.Size}-byte messages");
        sb.Append(t);
        return sb.ToString();
    }

    public object ToJsonObject() => new
    {
        workload = "growth",
        label = Target.Label,
        protocol = Target.Protocol.Name,
        size = Settings.Size,
        points = Points.Select(p => new
        {
            receivers = p.Settings.Receivers,
            deliveriesPerSecond = p.Best is null ? (double?)null : Math.Round(p.Best.DeliveriesPerSecond, 1),
            cpuNsPerDelivery = p.Best?.CpuNsPerDelivery is double n ? Math.Round(n, 1) : (double?)null,
            p99Ms = p.Best is null ? (double?)null : Math.Round(StepResult.Ms(p.Best.Latency.Percentile(99)), 3),
            clientCpuShare = p.Best?.ClientCpuShare is double c ? Math.Round(c, 3) : (double?)null,
            steps = p.Steps.Select(s => Tables.StepJson(s, Settings.MaxLagMs)),
        }),
    };
}

/// <summary>Growth: the fan-out search at several room sizes, so the cost of a delivery can be followed as rooms grow.</summary>
public static class GrowthWorkload
{
    public static async Task<GrowthResult> RunAsync(Target target, GrowthSettings s, ProgressLine progress, CancellationToken cancel)
    {
        var points = new List<FanoutResult>();
        foreach (int n in s.ReceiverCounts)
        {
            var point = await FanoutWorkload.RunAsync(target, s.For(n), progress, cancel);
            points.Add(point);
            progress.Line(point.Best is { } b
                ? $"{target.Label}: {n} receivers: {FanoutWorkload.Describe(b, s.MaxLagMs)}"
                : $"{target.Label}: {n} receivers: no step passed");
        }
        return new GrowthResult(target, s, points);
    }
}
