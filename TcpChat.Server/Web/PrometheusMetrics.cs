using Prometheus;
using TcpChat.Server.Chat;

namespace TcpChat.Server.Web;

/// <summary>
/// The counters of STATS for /metrics, in Prometheus' text format (prometheus-net writes it): <c>tcpchat_</c> and the
/// STATS name; counters end in <c>_total</c>. Read from the same place as STATS at each scrape, so the two agree.
/// </summary>
internal sealed class PrometheusMetrics
{
    /// <summary>STATS lines that are levels (they go up and down), not counts since the start.</summary>
    private static readonly HashSet<string> Levels =
    [
        "uptime_seconds", "connections", "rooms", "outbox_bytes", "outbox_max_bytes", "managed_memory_bytes",
        "managed_committed_bytes", "rss_bytes", "thread_pool_threads", "connection_capacity", "outbox_budget_bytes",
    ];

    private readonly ChatHub _hub;
    private readonly Dictionary<string, Gauge> _gauges = new();
    private readonly Dictionary<string, Counter> _counters = new();

    public PrometheusMetrics(ChatHub hub)
    {
        _hub = hub;
        // A registry of its own: none of the library's default process and runtime metrics, no listeners started.
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        foreach (var (name, _) in Lines())
        {
            if (Levels.Contains(name)) _gauges[name] = factory.CreateGauge(NameOf(name), $"STATS {name}");
            else _counters[name] = factory.CreateCounter(NameOf(name), $"STATS {name}");
        }
        Registry.AddBeforeCollectCallback(Update);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>The metric's name for a STATS name: <c>frames_in</c> is <c>tcpchat_frames_in_total</c>.</summary>
    public static string NameOf(string stats) =>
        "tcpchat_" + stats + (Levels.Contains(stats) || stats.EndsWith("_total", StringComparison.Ordinal) ? "" : "_total");

    private IEnumerable<(string Name, long Value)> Lines() => _hub.Metrics.Lines().Concat(_hub.Guard.Metrics.Lines());

    private void Update()
    {
        foreach (var (name, value) in Lines())
        {
            if (_gauges.TryGetValue(name, out var gauge)) gauge.Set(value);
            else if (_counters.TryGetValue(name, out var counter)) counter.IncTo(value);
        }
    }
}
