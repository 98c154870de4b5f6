using TcpChat.Bench.Load;
using TcpChat.Bench.Protocols;
using TcpChat.Bench.Workloads;

namespace TcpChat.Tests.Cluster;

/// <summary>tcpchat-bench's workloads with their receivers spread over the nodes of a real cluster (bench/cluster.sh).</summary>
public sealed class ClusterBenchTests
{
    [Fact]
    public async Task LatencyAcrossTwoNodesDeliversEveryMessageToEveryReceiver()
    {
        await using var engine = await NatsServer.StartAsync();
        await using var a = await ClusterNode.StartAsync(engine, "a", "--default-room", "");
        await using var b = await ClusterNode.StartAsync(engine, "b", "--default-room", "");
        var target = Target.Spread($"127.0.0.1:{a.Port},127.0.0.1:{b.Port}", new TcpChatProtocol(), a.ProcessId, "cluster")
            with { OtherPids = [b.ProcessId] };
        var result = await LatencyWorkload.RunAsync(target, new LatencySettings(Receivers: 4, Size: 128, Rate: 100, Seconds: 1,
            WarmupSeconds: 0.2, Concurrency: 10), ProgressLine.None, CancellationToken.None);
        Assert.Null(result.Step.Disconnected);
        Assert.Equal(0, result.Step.Gaps);
        Assert.Equal(4 * 100, result.Step.Delivered); // two receivers on b: the messages crossed the engine
        Assert.Equal(4 * 100, result.Step.Latency.Count);
        // Both nodes' CPU is counted, each delivering to its own receivers.
        Assert.Equal(new[] { a.ProcessId, b.ProcessId }.Order(), result.Step.CpuSecondsByPid!.Keys.Order());
        Assert.All(result.Step.CpuSecondsByPid.Values, s => Assert.True(s > 0));
        Assert.Equal(result.Step.CpuSecondsByPid.Values.Sum(), result.Step.ServerCpuSeconds);
    }
}
