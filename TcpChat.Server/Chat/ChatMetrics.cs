using System.Diagnostics.Metrics;

namespace TcpChat.Server.Chat;

/// <summary>The server's counters, on a <see cref="Meter"/> named <c>TcpChat.Server</c> (dotnet-counters, OpenTelemetry).</summary>
internal sealed class ChatMetrics : IDisposable
{
    public const string MeterName = "TcpChat.Server";

    private readonly Meter _meter = new(MeterName);

    public ChatMetrics(Func<long> connections, Func<long> rooms)
    {
        _meter.CreateObservableGauge("tcpchat.connections", connections, description: "open connections");
        _meter.CreateObservableGauge("tcpchat.rooms", rooms, description: "rooms with members");
        ConnectionsTotal = _meter.CreateCounter<long>("tcpchat.connections.total", description: "connections accepted");
        MessagesIn = _meter.CreateCounter<long>("tcpchat.frames.in", description: "frames parsed");
        MessagesOut = _meter.CreateCounter<long>("tcpchat.frames.out", description: "frames written");
        BytesIn = _meter.CreateCounter<long>("tcpchat.bytes.in", "By");
        BytesOut = _meter.CreateCounter<long>("tcpchat.bytes.out", "By");
        SlowConsumers = _meter.CreateCounter<long>("tcpchat.slow_consumers", description: "connections closed for a full outbox");
        StaleConnections = _meter.CreateCounter<long>("tcpchat.stale_connections", description: "connections closed for silence");
        ProtocolErrors = _meter.CreateCounter<long>("tcpchat.protocol_errors", description: "ERR sent for bad frames");
    }

    public Counter<long> ConnectionsTotal { get; }
    public Counter<long> MessagesIn { get; }
    public Counter<long> MessagesOut { get; }
    public Counter<long> BytesIn { get; }
    public Counter<long> BytesOut { get; }
    public Counter<long> SlowConsumers { get; }
    public Counter<long> StaleConnections { get; }
    public Counter<long> ProtocolErrors { get; }

    public void Dispose() => _meter.Dispose();
}
