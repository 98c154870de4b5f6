using System.Text.Json;
using TcpChat.Bench.Load;
using TcpChat.Bench.Protocols;
using TcpChat.Bench.Workloads;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Bench;

/// <summary>
/// Each workload of tcpchat-bench, tiny, against the real server in this process: a few clients, a few hundred
/// messages, a second or so. They show the workloads run end to end and count right, not how fast anything is.
/// </summary>
public sealed class WorkloadSmokeTests
{
    /// <summary>
    /// The p99 above which a step fails. A smoke test checks that the workload runs and reports right, not how fast this
    /// machine is: with other test classes running beside it on two cores, a healthy p99 can pass 2 s. 20 s is crossed
    /// only by a broken run (deliveries stuck or lost), which the delivery counts catch as well.
    /// </summary>
    private const double SmokeMaxLagMs = 20_000;

    private static async Task<(InProcessServer Server, Target Target)> StartAsync(int perAddress = 25_000)
    {
        var server = await InProcessServer.StartAsync("--no-history", "--default-room", "");
        return (server, new Target("127.0.0.1", server.Port, new TcpChatProtocol(), Environment.ProcessId, "tcpchat", perAddress));
    }

    /// <summary>
    /// The result as tcpchat-bench --json prints it, parsed back: the workload's name, and each of
    /// <paramref name="numbers"/> (dotted paths, as bench/compare.sh and the report read them) equal to what the run counted.
    /// </summary>
    private static JsonElement IsJson(object result, string workload, params (string Path, double Value)[] numbers)
    {
        var root = JsonDocument.Parse(JsonSerializer.Serialize(result)).RootElement;
        Assert.Equal(workload, root.GetProperty("workload").GetString());
        Assert.Equal("tcpchat", root.GetProperty("protocol").GetString());
        foreach (var (path, value) in numbers) Assert.True(value == At(root, path).GetDouble(), $"{path}: {At(root, path)} != {value}");
        return root;
    }

    private static JsonElement At(JsonElement e, string path)
    {
        foreach (string part in path.Split('.')) e = int.TryParse(part, out int i) ? e[i] : e.GetProperty(part);
        return e;
    }

    /// <summary>The latency figures of the JSON, in milliseconds, as the histogram reports them.</summary>
    private static (string, double)[] LatencyOf(string at, TcpChat.Bench.Stats.LatencyHistogram h) =>
    [
        (at + ".count", h.Count),
        (at + ".p50", Math.Round(StepResult.Ms(h.Percentile(50)), 3)),
        (at + ".p99", Math.Round(StepResult.Ms(h.Percentile(99)), 3)),
        (at + ".p999", Math.Round(StepResult.Ms(h.Percentile(99.9)), 3)),
        (at + ".max", Math.Round(StepResult.Ms(h.Max), 3)),
    ];

    [Fact]
    public async Task FanoutStepsUpTheRateAndReportsTheBestStepWithEveryDeliveryMade()
    {
        var (server, target) = await StartAsync();
        await using var _ = server;
        var settings = new FanoutSettings(Receivers: 3, Size: 128, Rates: [100, 200], StepSeconds: 0.5, Refine: 0, MaxLagMs: SmokeMaxLagMs,
            WarmupSeconds: 0.2, Concurrency: 10);
        var result = await FanoutWorkload.RunAsync(target, settings, ProgressLine.None, CancellationToken.None);
        Assert.Equal(2, result.Steps.Count);
        Assert.All(result.Steps, s => Assert.Null(s.Failure(settings.MaxLagMs)));
        Assert.All(result.Steps, s => Assert.Equal(s.Sent * 3, s.Delivered));
        Assert.Equal(100 * 0.5 * 3, result.Steps[0].Delivered);
        Assert.NotNull(result.Best);
        Assert.True(result.Best!.CpuNsPerDelivery > 0);
        Assert.Contains("best:", result.ToTable());
        var json = IsJson(result.ToJsonObject(), "fanout", [("receivers", 3), ("steps.0.sent", result.Steps[0].Sent),
            ("steps.0.delivered", result.Steps[0].Delivered), ("steps.1.delivered", result.Steps[1].Delivered),
            ("best.delivered", result.Best.Delivered), .. LatencyOf("best.latencyMs", result.Best.Latency)]);
        Assert.Equal(2, json.GetProperty("steps").GetArrayLength());
        Assert.True(json.GetProperty("best").GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task LatencyMeasuresEveryDeliveryOfTheRun()
    {
        var (server, target) = await StartAsync();
        await using var _ = server;
        var result = await LatencyWorkload.RunAsync(target, new LatencySettings(3, 128, Rate: 200, Seconds: 1, WarmupSeconds: 0.2, 10),
            ProgressLine.None, CancellationToken.None);
        Assert.Equal(600, result.Step.Latency.Count);
        Assert.Equal(0, result.Step.Lost);
        Assert.Null(result.Step.Disconnected);
        Assert.True(result.Step.Latency.Percentile(50) > 0);
        Assert.Contains("p99.9", result.ToTable());
        IsJson(result.ToJsonObject(), "latency", [("receivers", 3), ("rate", 200), ("delivered", 600), ("lost", 0),
            .. LatencyOf("latencyMs", result.Step.Latency)]);
    }

    [Fact]
    public async Task RoomsDeliversEachMessageToTheOtherMembersOfItsRoom()
    {
        var (server, target) = await StartAsync();
        await using var _ = server;
        // 12 clients in rooms of 5, 5 and 2, each sending every 0.5 s for 1 s after 0.5 s.
        var settings = new RoomsSettings(Clients: 12, RoomSize: 5, IntervalSeconds: 0.5, Seconds: 1, WarmupSeconds: 0.5, Size: 64, Concurrency: 10);
        var result = await RoomsWorkload.RunAsync(target, settings, ProgressLine.None, CancellationToken.None);
        Assert.Equal(36, result.Sent); // 24 messages a second for 1.5 s
        Assert.Equal(3 * (5 * 4 + 5 * 4 + 2 * 1), result.Expected);
        Assert.Equal(result.Expected, result.Delivered);
        Assert.Equal(2 * (5 * 4 + 5 * 4 + 2 * 1), result.Latency.Count); // the measured second only
        Assert.Null(result.Disconnected);
        IsJson(result.ToJsonObject(), "rooms", [("clients", 12), ("sent", 36), ("expected", result.Expected),
            ("delivered", result.Delivered), ("lost", 0), .. LatencyOf("latencyMs", result.Latency)]);
    }

    [Fact]
    public async Task IdleConnectsFromSeveralSourceAddressesAndReadsTheServersMemory()
    {
        var (server, target) = await StartAsync(perAddress: 8); // 20 clients: 127.0.0.1, .2 and .3
        await using var _ = server;
        var result = await IdleWorkload.RunAsync(target, new IdleSettings(Connections: 20, RoomSize: 5, SettleSeconds: 0.1, Concurrency: 10),
            ProgressLine.None, CancellationToken.None);
        Assert.Equal(20, result.StillConnected);
        Assert.Null(result.Disconnected);
        Assert.NotNull(result.BytesPerConnection);
        Assert.True(result.AcceptsPerSecond > 0);
        Assert.Equal("127.0.0.3", target.SourceOf(19, 20)?.ToString());
        Assert.Null(target.SourceOf(0, 8));
        var json = IsJson(result.ToJsonObject(), "idle", [("connections", 20), ("stillConnected", 20),
            ("bytesPerConnection", Math.Round(result.BytesPerConnection!.Value, 1))]);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("disconnected").ValueKind);
    }

    [Fact]
    public async Task GrowthRunsTheFanoutSearchAtEachRoomSize()
    {
        var (server, target) = await StartAsync();
        await using var _ = server;
        var settings = new GrowthSettings(ReceiverCounts: [2, 4], Size: 128, DeliveryRates: [400, 800], StepSeconds: 0.4, Refine: 0,
            MaxLagMs: SmokeMaxLagMs, WarmupSeconds: 0, Concurrency: 10);
        var result = await GrowthWorkload.RunAsync(target, settings, ProgressLine.None, CancellationToken.None);
        Assert.Equal([2, 4], result.Points.Select(p => p.Settings.Receivers));
        Assert.All(result.Points, p => Assert.NotNull(p.Best));
        Assert.Equal(100, result.Points[1].Steps[0].Rate); // 400 deliveries/s to 4 receivers
        Assert.Contains("receivers", result.ToTable());
        var json = IsJson(result.ToJsonObject(), "growth", [("points.0.receivers", 2), ("points.1.receivers", 4),
            ("points.1.steps.0.rate", 100), ("points.1.steps.0.delivered", result.Points[1].Steps[0].Delivered),
            ("points.0.p99Ms", Math.Round(StepResult.Ms(result.Points[0].Best!.Latency.Percentile(99)), 3))]);
        Assert.Equal(2, json.GetProperty("points").GetArrayLength());
    }
}
