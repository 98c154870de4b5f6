using TcpChat.Bench.Load;
using TcpChat.Bench.Protocols;
using TcpChat.Bench.Workloads;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Bench;

/// <summary>
/// tcpchat-bench --targets: a workload's receivers spread round-robin over several servers (the nodes of a cluster),
/// its sender on the first.
/// </summary>
public sealed class TargetSpreadTests
{
    private static Target Spread(string nodes) => Target.Spread(nodes, new TcpChatProtocol(), null, "tcpchat");

    [Fact]
    public void ReceiversGoRoundRobinOverTheNodesAndThePublisherToTheFirst()
    {
        var target = Spread("127.0.0.1:7801,127.0.0.1:7802,127.0.0.1:7803");
        Assert.Equal(3, target.Nodes.Count);
        Assert.Equal(7801, target.Port); // results name the first node
        Assert.Equal([7801, 7802, 7803, 7801, 7802, 7803, 7801], Enumerable.Range(0, 7).Select(i => target.NodeOf(i, publisher: false).Port));
        Assert.All(Enumerable.Range(0, 7), i => Assert.Equal(7801, target.NodeOf(i, publisher: true).Port));
        // 300 receivers over 3 nodes: 100 each.
        Assert.All(Enumerable.Range(0, 300).GroupBy(i => target.NodeOf(i, false).Port), g => Assert.Equal(100, g.Count()));
    }

    [Fact]
    public void OneServerIsEveryClientsNode()
    {
        var target = new Target("127.0.0.1", 7777, new TcpChatProtocol(), null, "tcpchat");
        Assert.Equal([target.EndPoint], target.Nodes);
        Assert.Equal(target.EndPoint, target.NodeOf(5, publisher: false));
        Assert.Equal(target.EndPoint.ToString(), target.Where);
        Assert.Equal(target.Nodes, Spread("127.0.0.1:7777").Nodes);
    }

    [Theory]
    [InlineData("[::1]:7801,127.0.0.1:7802", "[::1]:7801")]
    [InlineData(" 127.0.0.1:7801 , 127.0.0.1:7802", "127.0.0.1:7801")]
    public void NodesAreHostColonPortWithBracketsForIPv6(string list, string first)
    {
        var target = Spread(list);
        Assert.Equal(first, target.Nodes[0].ToString());
        Assert.Equal("127.0.0.1:7802", target.Nodes[1].ToString());
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData(":7801")]
    [InlineData("127.0.0.1:7801,")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-5")]
    [InlineData("::1:7801")]
    [InlineData("127.0.0.1:78o1")]
    public void ABadNodeIsRefusedNamingIt(string list)
    {
        var (_, problem) = Target.ParseNodes(list);
        Assert.NotNull(problem);
        Assert.StartsWith("--targets: '", problem);
        Assert.Throws<TcpChat.Bench.BenchException>(() => Spread(list));
    }

    /// <summary>
    /// Two servers that are not a cluster: the receivers on the second are in another room of the same name, so exactly
    /// their deliveries are lost. It shows the clients really went to both (one cluster node would lose nothing).
    /// </summary>
    [Fact]
    public async Task AStepOverTwoUnclusteredServersLosesExactlyTheSecondServersReceivers()
    {
        await using var first = await InProcessServer.StartAsync("--no-history", "--default-room", "");
        await using var second = await InProcessServer.StartAsync("--no-history", "--default-room", "");
        var target = Spread($"127.0.0.1:{first.Port},127.0.0.1:{second.Port}");
        await using var room = await FanoutRoom.OpenAsync(target, receivers: 5, size: 128, concurrency: 10, ProgressLine.None,
            CancellationToken.None);
        var step = await room.StepAsync(rate: 100, seconds: 0.5, maxLagMs: 200, ProgressLine.None, "step", CancellationToken.None);
        Assert.Equal(50, step.Sent);
        Assert.Equal(3 * 50, step.Delivered); // receivers 0, 2, 4 on the first
        Assert.Equal(2 * 50, step.Lost); // receivers 1, 3 on the second
        Assert.Null(step.Disconnected);
        Assert.Contains("(2 nodes, the sender on the first)", target.Where);
    }

    /// <summary>The latency workload allows any lag; its wait for the last deliveries is still bounded, not overflowed.</summary>
    [Fact]
    public async Task ALatencyStepWithDeliveriesMissingEndsAfterTheCappedWait()
    {
        await using var first = await InProcessServer.StartAsync("--no-history", "--default-room", "");
        await using var second = await InProcessServer.StartAsync("--no-history", "--default-room", "");
        var target = Spread($"127.0.0.1:{first.Port},127.0.0.1:{second.Port}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await LatencyWorkload.RunAsync(target, new LatencySettings(Receivers: 2, Size: 128, Rate: 20, Seconds: 0.2,
            WarmupSeconds: 0, Concurrency: 10), ProgressLine.None, CancellationToken.None);
        Assert.Equal(4, result.Step.Lost); // receiver 1 is on the other server
        // It waited for them (the cap, 30 s, plus a second) rather than giving up a second after the last send.
        Assert.True(clock.Elapsed.TotalMilliseconds >= FanoutRoom.MaxWaitAfterLastSendMs, $"{clock.Elapsed}");
    }
}
