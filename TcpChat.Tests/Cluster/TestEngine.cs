namespace TcpChat.Tests.Cluster;

/// <summary>
/// The engine a test's nodes run on: one nats-server (the stream and buckets in 1 copy), or a cluster of 3 with
/// everything in 3 replicas (a message is stored on a majority before it is delivered).
/// </summary>
public sealed class TestEngine : IAsyncDisposable
{
    private TestEngine(NatsServer[] servers, string[] nodeArgs)
    {
        Servers = servers;
        NodeArgs = nodeArgs;
    }

    public NatsServer[] Servers { get; }

    /// <summary>The servers' URLs, as <c>--cluster</c> takes them.</summary>
    public string Urls => string.Join(',', Servers.Select(s => s.Url));

    /// <summary>What every node on this engine is started with.</summary>
    public string[] NodeArgs { get; }

    /// <summary>One server (<paramref name="servers"/> = 1), or a 3-server cluster with 3 replicas (3).</summary>
    public static async Task<TestEngine> StartAsync(int servers) => servers switch
    {
        1 => new TestEngine([await NatsServer.StartAsync()], []),
        3 => new TestEngine(await NatsServer.StartClusterAsync(3), ["--cluster-replicas", "3"]),
        _ => throw new ArgumentOutOfRangeException(nameof(servers), "1 or 3"),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers) await server.DisposeAsync();
    }
}
