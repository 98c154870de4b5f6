using System.Text.RegularExpressions;

namespace TcpChat.Server.Cluster;

/// <summary>
/// Cluster mode (README, "Run a cluster"): several TcpChat nodes on one NATS JetStream engine. Off unless
/// <see cref="Nats"/> names the engine's servers.
/// </summary>
public sealed partial class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>The engine's servers, comma-separated (<c>nats://h1:4222,nats://h2:4222</c>); empty: one server, SQLite history.</summary>
    public string Nats { get; set; } = "";

    /// <summary>This node's name, unique in the cluster: letters, digits, <c>-</c> and <c>_</c>.</summary>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>Copies of the stream and buckets the engine keeps: 1, or 3 on a cluster of at least 3 NATS servers.</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>How often this node says it is alive.</summary>
    public double HeartbeatSeconds { get; set; } = 1;

    /// <summary>A node not heard of for this long is lost: its users QUIT with "node lost" and their nicks are free.</summary>
    public double NodeTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// This node cut off from the engine for this long closes its sessions (ERR SHUTDOWN), so that users reconnect
    /// elsewhere. As long as <see cref="NodeTimeoutSeconds"/> by default: by the time the other nodes have dropped this
    /// node's users, it has closed them.
    /// </summary>
    public double EngineTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// How long a message may wait for the engine's answer, sent again meanwhile, before its sender gets ERR UNAVAILABLE
    /// (not confirmed). Longer than an election of the stream's leader (5-8 s with nats-server 2.9.10), so that a leader
    /// change delays messages instead of refusing them.
    /// </summary>
    public double PublishTimeoutSeconds { get; set; } = 15;

    public bool Enabled => Nats.Length > 0;

    /// <summary>The server URLs of <see cref="Nats"/>.</summary>
    public string[] Servers => Nats.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<string> Validate()
    {
        if (!Enabled) yield break;
        foreach (string server in Servers)
            if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls"))
                yield return $"Nats must be nats://host:port URLs, comma-separated (got '{server}')";
        if (!NodeNamePattern().IsMatch(NodeName))
            yield return $"NodeName must be 1-64 letters, digits, '-' or '_' (got '{NodeName}')";
        if (Replicas is not (1 or 3)) yield return $"Replicas must be 1 or 3 (got {Replicas})";
        if (HeartbeatSeconds is < 0.1 or > 60) yield return $"HeartbeatSeconds must be 0.1-60 (got {HeartbeatSeconds})";
        if (NodeTimeoutSeconds < 2 * HeartbeatSeconds || NodeTimeoutSeconds > 600)
            yield return $"NodeTimeoutSeconds must be at least twice HeartbeatSeconds and at most 600 (got {NodeTimeoutSeconds})";
        if (EngineTimeoutSeconds is < 1 or > 3600) yield return $"EngineTimeoutSeconds must be 1-3600 (got {EngineTimeoutSeconds})";
        if (PublishTimeoutSeconds is < 0.1 or > 600) yield return $"PublishTimeoutSeconds must be 0.1-600 (got {PublishTimeoutSeconds})";
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NodeNamePattern();
}
