using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Cluster;

/// <summary>Starting TcpChat nodes (the real server binary) on an engine, and clients on them.</summary>
public static class ClusterNode
{
    /// <summary>A node named <paramref name="name"/> on <paramref name="engine"/>, once it has joined the cluster.</summary>
    public static Task<ServerProcess> StartAsync(NatsServer engine, string name, params string[] args) =>
        StartAsync(engine.Url, name, args);

    public static Task<ServerProcess> StartAsync(TestEngine engine, string name, params string[] args) =>
        StartAsync(engine.Urls, name, [.. engine.NodeArgs, .. args]);

    /// <summary>A node on the engine at <paramref name="urls"/> (comma-separated), once it has joined the cluster.</summary>
    /// <remarks>
    /// A node exits 1 when the engine does not answer its set-up (`cannot be used: No API response`: JetStream's
    /// metadata leader busy or being elected on a busy machine, seen once in a CI run); its supervisor (systemd's
    /// Restart=on-failure) starts it again, and so does this, once.
    /// </remarks>
    public static async Task<ServerProcess> StartAsync(string urls, string name, params string[] args)
    {
        for (int attempt = 1; ; attempt++)
        {
            var node = await ServerProcess.StartAsync(["--cluster", urls, "--node-name", name, .. args]);
            try
            {
                await node.WaitForLogAsync($"Cluster node {name} ready", TimeSpan.FromSeconds(90)); // a 3-replica stream takes a while on a busy machine
                return node;
            }
            catch when (attempt == 1 && node.Log.Contains("cannot be used: No API response", StringComparison.Ordinal))
            {
                await node.DisposeAsync();
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>A client registered as <paramref name="nick"/> (in #lobby, its history page read).</summary>
    public static async Task<TestClient> UserAsync(ServerProcess node, string nick)
    {
        var client = await TestClient.ConnectAsync(node.Port);
        client.Send($"NICK {nick}\n");
        await client.ExpectAsync($"NICK * {nick}");
        await client.ExpectAsync("HISTORY #lobby");
        return client;
    }

    /// <summary>The MSG frames of <paramref name="target"/> this client has received so far, as "id sender text".</summary>
    public static List<string> Messages(TestClient client, string target) =>
        client.Seen.Where(f => f.Verb == TcpChat.Protocol.Verb.Msg && f.Arg(0) == target)
            .Select(f => $"{f.Arg(2)} {f.Arg(1)} {f.Text}").ToList();
}
