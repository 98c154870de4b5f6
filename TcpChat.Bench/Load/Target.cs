using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TcpChat.Bench.Protocols;

namespace TcpChat.Bench.Load;

/// <summary>The server under test: where it listens, the protocol it speaks, its process (for CPU and memory).</summary>
/// <param name="Label">How results name this server (compare.sh: tcpchat, ngircd, inspircd, nats).</param>
/// <param name="PerAddress">Connections per source address before the next 127.0.0.x is used.</param>
public sealed record Target(string Host, int Port, ChatProtocol Protocol, int? ServerPid, string Label, int PerAddress = 25_000)
{
    /// <summary>The first node: where the sender(s) connect, and every client when there is one node.</summary>
    public IPEndPoint EndPoint { get; } = new(Resolve(Host), Port);

    /// <summary>
    /// Every node of a cluster the clients are spread over (<c>--targets</c>), <see cref="EndPoint"/> first; just it
    /// when there is one server.
    /// </summary>
    public IReadOnlyList<IPEndPoint> Nodes
    {
        get => _nodes ?? [EndPoint];
        init => _nodes = value.Count > 0 && value[0].Equals(EndPoint) ? value
            : throw new ArgumentException("the first node must be the target's endpoint", nameof(value));
    }

    private readonly IReadOnlyList<IPEndPoint>? _nodes;

    /// <summary>
    /// The rest of the system under test besides <see cref="ServerPid"/> (a cluster's other nodes, its engine's servers):
    /// their CPU time counts as the server's (<c>--system-pids</c>).
    /// </summary>
    public IReadOnlyList<int> OtherPids { get; init; } = [];

    /// <summary>Every process of the system under test: <see cref="ServerPid"/> and <see cref="OtherPids"/>.</summary>
    public IReadOnlyList<int> SystemPids => ServerPid is int p ? [p, .. OtherPids] : OtherPids;

    /// <summary>Where the clients go, for tables: the endpoint, or every node and how many.</summary>
    public string Where => Nodes.Count == 1 ? EndPoint.ToString() : $"{string.Join(',', Nodes)} ({Nodes.Count} nodes, the sender on the first)";

    /// <summary>
    /// The node client <paramref name="i"/> connects to: a publisher always to the first (so that its messages cross to
    /// the receivers on the others, and its send time and the server's echo are on one node), a client that only
    /// receives round-robin over all of them (receiver i on node i mod n).
    /// </summary>
    public IPEndPoint NodeOf(int i, bool publisher) => publisher ? Nodes[0] : Nodes[i % Nodes.Count];

    /// <summary>
    /// A target spread over <paramref name="nodes"/> (<c>--targets</c>, see <see cref="ParseNodes"/>), the first one also
    /// the <see cref="Host"/> and <see cref="Port"/> results name.
    /// </summary>
    public static Target Spread(string nodes, ChatProtocol protocol, int? serverPid, string label, int perAddress = 25_000)
    {
        var (list, problem) = ParseNodes(nodes);
        if (problem is not null) throw new BenchException(problem);
        var target = new Target(list[0].Host, list[0].Port, protocol, serverPid, label, perAddress);
        return target with { Nodes = [target.EndPoint, .. list.Skip(1).Select(e => new IPEndPoint(Resolve(e.Host), e.Port))] };
    }

    /// <summary>
    /// <c>host:port</c> items (<c>[v6]:port</c> for IPv6) separated by commas, in order; the reason when one is not.
    /// Nothing is resolved here, so a bad list costs nothing before it is refused.
    /// </summary>
    public static (IReadOnlyList<(string Host, int Port)> Nodes, string? Problem) ParseNodes(string nodes)
    {
        var list = new List<(string, int)>();
        foreach (string item in nodes.Split(',', StringSplitOptions.TrimEntries))
        {
            int colon = item.LastIndexOf(':');
            string hostPart = colon > 0 ? item[..colon] : "";
            if (hostPart.StartsWith('[') && hostPart.EndsWith(']')) hostPart = hostPart[1..^1];
            else if (hostPart.Contains(':')) hostPart = ""; // an IPv6 address needs its brackets: ::1:7777 is ambiguous
            if (hostPart.Length == 0 || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                || port is < 1 or > 65535)
                return ([], $"--targets: '{item}' is not host:port (e.g. 127.0.0.1:7801,127.0.0.1:7802; [::1]:7801 for IPv6)");
            list.Add((hostPart, port));
        }
        return (list, null);
    }

    /// <summary>
    /// The source address of connection <paramref name="i"/> of <paramref name="total"/>: none (the kernel picks) when
    /// they all fit on one, else 127.0.0.1, 127.0.0.2, ... <see cref="PerAddress"/> each. A loopback server accepts
    /// from any 127.0.0.x; each address has its own ~28k ephemeral ports.
    /// </summary>
    public IPAddress? SourceOf(int i, int total)
    {
        if (total <= PerAddress || !IPAddress.IsLoopback(EndPoint.Address) || EndPoint.AddressFamily != AddressFamily.InterNetwork)
            return null;
        int k = i / PerAddress;
        if (k > 253) throw new BenchException($"more than 254 x {PerAddress} connections");
        return new IPAddress(new byte[] { 127, 0, 0, (byte)(1 + k) });
    }

    private static IPAddress Resolve(string host) =>
        IPAddress.TryParse(host, out var address) ? address
        : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
          ?? throw new BenchException($"cannot resolve {host}");
}

/// <summary>Connects many clients at once, a bounded number at a time, each waited for until it is in its room.</summary>
public static class Clients
{
    /// <summary>A fresh token for this run's nicks and rooms: three lowercase letters, so nicks stay short (IRC: 9).</summary>
    public static string NewRunToken()
    {
        Span<char> token = stackalloc char[3];
        for (int i = 0; i < token.Length; i++) token[i] = (char)('a' + Random.Shared.Next(26));
        return new string(token);
    }

    /// <param name="spec">For client i: its nick, its room, whether it publishes.</param>
    /// <param name="concurrency">Clients connecting and joining at once: bounds the JOIN storm a big room makes.</param>
    /// <param name="first">The index of the first of these clients, when they are the later part of a bigger set.</param>
    /// <param name="ofAll">The size of that set (source addresses are spread over it); <paramref name="count"/> when 0.</param>
    public static async Task<BenchConnection[]> ConnectAsync(Target target, int count,
        Func<int, (string Nick, string Room, bool Publisher)> spec, IMessageSink sink, int bufferSize, int concurrency,
        ProgressLine progress, string what, CancellationToken cancel, TimeSpan? readyTimeout = null, int first = 0, int ofAll = 0)
    {
        if (ofAll == 0) ofAll = count;
        var connections = new BenchConnection?[count];
        var slots = new SemaphoreSlim(concurrency);
        int ready = 0;
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(60);
        using var status = progress.Every(() => $"{target.Label}: {what}: {Volatile.Read(ref ready)}/{count} connected and joined");
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        async Task One(int i)
        {
            await slots.WaitAsync(failed.Token);
            try
            {
                var (nick, room, publisher) = spec(first + i);
                var c = await BenchConnection.ConnectAsync(target.NodeOf(first + i, publisher), target.SourceOf(first + i, ofAll), target.Protocol, first + i, nick,
                    room, publisher, sink, bufferSize, failed.Token);
                connections[i] = c;
                if (await Task.WhenAny(c.Ready, Task.Delay(timeout, failed.Token)) != c.Ready)
                    throw new BenchException($"{nick} was not in {room} after {timeout.TotalSeconds:0} s"
                        + (c.LastError is { } e ? $" (last error: {e})" : ""));
                await c.Ready;
                Interlocked.Increment(ref ready);
            }
            finally
            {
                slots.Release();
            }
        }
        var all = Enumerable.Range(0, count).Select(i => One(i)).ToList();
        try
        {
            while (all.Count > 0)
            {
                var done = await Task.WhenAny(all);
                all.Remove(done);
                if (done.IsFaulted || done.IsCanceled)
                {
                    failed.Cancel();
                    await Task.WhenAll(all).ContinueWith(_ => { }, TaskScheduler.Default);
                    await done; // throws
                }
            }
            return connections!;
        }
        catch
        {
            await DisposeAllAsync(connections);
            throw;
        }
    }

    public static async Task DisposeAllAsync(IEnumerable<BenchConnection?> connections)
    {
        await Task.WhenAll(connections.Where(c => c is not null).Select(c => c!.DisposeAsync().AsTask()));
    }

    /// <summary>The first connection that has closed, or null.</summary>
    public static BenchConnection? FirstClosed(IEnumerable<BenchConnection> connections) =>
        connections.FirstOrDefault(c => c.ClosedReason is not null);
}
