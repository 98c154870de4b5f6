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
    private static async Task<(InProcessServer Server, Target Target)> StartAsync(int perAddress = 25_000)
    {
        var server = await InProcessServer.StartAsync("--no-history", "--default-room", "");
        return (server, new Target("127.0.0.1", server.Port, new TcpChatProtocol(), Environment.ProcessId, "tcpchat", perAddress));
    }

    private static void IsJson(object result) => Assert.NotEmpty(JsonSerializer.Serialize(result));

    [Fact]
    public async Task FanoutStepsUpTheRateAndReportsTheBestStepWithEveryDeliveryMade()
    {
        var (server, target) = await StartAsync();
        await using var _ = server;
        var settings = new FanoutSettings(Receivers: 3, Size: 128, Rates: [100, 200], StepSeconds: 0.5, Refine: 0, MaxLagMs: 2_000,
            WarmupSeconds: 0.2, Concurrency: 10);
        var result = await FanoutWorkload.RunAsync(target, settings, ProgressLine.None, CancellationToken.None);
        Assert.Equal(2, result.Steps.Count);
        Assert.All(result.Steps, s => Assert.Null(s.Failure(settings.MaxLagMs)));
        Assert.All(result.Steps, s => Assert.Equal(s.Sent * 3, s.Delivered));
        Assert.Equal(100 * 0.5 * 3, result.Steps[0].Delivered);
        Assert.NotNull(result.Best);
        Assert.True(result.Best!.CpuNsPerDelivery > 0);
        Assert.Contains("best:", result.ToTable());
        IsJson(result.ToJsonObject());
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
        IsJson(result.ToJsonObject());
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
        IsJson(result.ToJsonObject());
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
        IsJson(result.ToJsonObject());
    }

    [Fact]
    public async Task GrowthRunsTheFanoutSearchAtEachRoomSize()
    {
        var (server, target) = await StartAsync();
        await using var _ = server;
        var settings = new GrowthSettings(ReceiverCounts: [2, 4], Size: 128, DeliveryRates: [400, 800], StepSeconds: 0.4, Refine: 0,
            MaxLagMs: 2_000, WarmupSeconds: 0, Concurrency: 10);
        var result = await GrowthWorkload.RunAsync(target, settings, ProgressLine.None, CancellationToken.None);
        Assert.Equal([2, 4], result.Points.Select(p => p.Settings.Receivers));
        Assert.All(result.Points, p => Assert.NotNull(p.Best));
        Assert.Equal(100, result.Points[1].Steps[0].Rate); // 400 deliveries/s to 4 receivers
        Assert.Contains("receivers", result.ToTable());
        IsJson(result.ToJsonObject());
    }
}
