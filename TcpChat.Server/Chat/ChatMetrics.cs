using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace TcpChat.Server.Chat;

/// <summary>
/// The server's counters, on a <see cref="Meter"/> named <c>TcpChat.Server</c> (dotnet-counters, OpenTelemetry), and
/// as text for the <c>STATS</c> verb. Named after what operators of nats-server and Redis look for.
/// </summary>
internal sealed class ChatMetrics : IDisposable
{
    public const string MeterName = "TcpChat.Server";

    private readonly Meter _meter = new(MeterName);
    private readonly Func<long> _connections;
    private readonly Func<long> _rooms;
    private readonly Func<(long Total, long Max)> _outboxes;
    private readonly long _started = Environment.TickCount64;

    public ChatMetrics(Func<long> connections, Func<long> rooms, Func<(long Total, long Max)> outboxes)
    {
        _connections = connections;
        _rooms = rooms;
        _outboxes = outboxes;
        _meter.CreateObservableGauge("tcpchat.connections", connections, description: "open connections");
        _meter.CreateObservableGauge("tcpchat.rooms", rooms, description: "rooms with members");
        _meter.CreateObservableGauge("tcpchat.outbox.bytes", () => outboxes().Total, "By", "bytes waiting in all outboxes");
        _meter.CreateObservableGauge("tcpchat.outbox.max_bytes", () => outboxes().Max, "By", "bytes waiting in the fullest outbox");
        ConnectionsTotal = new Tally(_meter.CreateCounter<long>("tcpchat.connections.total", description: "connections accepted"));
        MessagesIn = new Tally(_meter.CreateCounter<long>("tcpchat.frames.in", description: "frames parsed"));
        MessagesOut = new Tally(_meter.CreateCounter<long>("tcpchat.frames.out", description: "frames written"));
        BytesIn = new Tally(_meter.CreateCounter<long>("tcpchat.bytes.in", "By"));
        BytesOut = new Tally(_meter.CreateCounter<long>("tcpchat.bytes.out", "By"));
        SlowConsumers = new Tally(_meter.CreateCounter<long>("tcpchat.slow_consumers", description: "connections closed for a full outbox or a stuck write"));
        StaleConnections = new Tally(_meter.CreateCounter<long>("tcpchat.stale_connections", description: "connections closed for silence"));
        ProtocolErrors = new Tally(_meter.CreateCounter<long>("tcpchat.protocol_errors", description: "ERR sent for bad frames"));
        MemoryTrims = new Tally(_meter.CreateCounter<long>("tcpchat.memory_trims", description: "heap compactions after a burst of connections or disconnections"));
        BudgetCuts = new Tally(_meter.CreateCounter<long>("tcpchat.outbox_budget_cuts", description: "slow consumers cut because all outboxes together passed Chat:OutboxTotalBytes"));
        ReaderWrites = new Tally(_meter.CreateCounter<long>("tcpchat.reader_writes", description: "receivers' queues written by the sender's reader at the end of a read, instead of waking their writer loops"));
        AcceptErrors = new Tally(_meter.CreateCounter<long>("tcpchat.accept_errors", description: "failed accepts (out of descriptors or buffers), each followed by a back-off"));
        _meter.CreateObservableGauge("tcpchat.connections.capacity", () => ConnectionCapacity, description: "connections the server will hold: MaxConnections, or less if the open-file limit is lower");
        _meter.CreateObservableGauge("tcpchat.outbox.budget_bytes", () => OutboxBudgetBytes, description: "bytes all outboxes together may hold: Chat:OutboxTotalBytes, or a quarter of the runtime's memory if that is less");
    }

    public Tally ConnectionsTotal { get; }
    public Tally MessagesIn { get; }
    public Tally MessagesOut { get; }
    public Tally BytesIn { get; }
    public Tally BytesOut { get; }
    public Tally SlowConsumers { get; }
    public Tally StaleConnections { get; }
    public Tally ProtocolErrors { get; }
    public Tally MemoryTrims { get; }
    public Tally BudgetCuts { get; }
    public Tally AcceptErrors { get; }
    public Tally ReaderWrites { get; }

    /// <summary>Connections the server will hold: MaxConnections, or what the open-file limit leaves room for.</summary>
    public long ConnectionCapacity { get; set; }

    /// <summary>Bytes all outboxes together may hold: Chat:OutboxTotalBytes, or less where the runtime may use less memory.</summary>
    public long OutboxBudgetBytes { get; set; }

    /// <summary>
    /// <c>name value</c> lines, for <c>STATS</c>: <c>echo STATS | nc localhost 7777</c>; <paramref name="more"/> after
    /// the chat counters (the security counters).
    /// </summary>
    public string ToText(IEnumerable<(string Name, long Value)> more)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Lines().Concat(more))
            text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString(0, text.Length - 1);
    }

    /// <summary>The chat counters of STATS, in its order (also /metrics, Web/PrometheusMetrics.cs).</summary>
    public (string Name, long Value)[] Lines()
    {
        var (outboxTotal, outboxMax) = _outboxes();
        return new (string Name, long Value)[]
        {
            ("uptime_seconds", (Environment.TickCount64 - _started) / 1000),
            ("connections", _connections()),
            ("connections_total", ConnectionsTotal.Total),
            ("rooms", _rooms()),
            ("frames_in", MessagesIn.Total),
            ("frames_out", MessagesOut.Total),
            ("bytes_in", BytesIn.Total),
            ("bytes_out", BytesOut.Total),
            ("slow_consumers", SlowConsumers.Total),
            ("outbox_budget_cuts", BudgetCuts.Total),
            ("stale_connections", StaleConnections.Total),
            ("protocol_errors", ProtocolErrors.Total),
            ("outbox_bytes", outboxTotal),
            ("outbox_max_bytes", outboxMax),
            ("managed_memory_bytes", GC.GetTotalMemory(forceFullCollection: false)),
            ("managed_committed_bytes", GC.GetGCMemoryInfo().TotalCommittedBytes),
            ("rss_bytes", Environment.WorkingSet),
            ("thread_pool_threads", ThreadPool.ThreadCount),
            ("memory_trims", MemoryTrims.Total),
            ("accept_errors", AcceptErrors.Total),
            ("reader_writes", ReaderWrites.Total),
            ("connection_capacity", ConnectionCapacity),
            ("outbox_budget_bytes", OutboxBudgetBytes),
        };
    }

    public void Dispose() => _meter.Dispose();

    /// <summary>A counter on the meter whose running total can also be read (for STATS).</summary>
    public sealed class Tally(Counter<long> instrument)
    {
        private long _total;

        public Counter<long> Instrument { get; } = instrument;

        public long Total => Interlocked.Read(ref _total);

        public void Add(long value)
        {
            Interlocked.Add(ref _total, value);
            Instrument.Add(value);
        }
    }
}
