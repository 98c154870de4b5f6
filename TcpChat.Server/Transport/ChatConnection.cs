using System.IO.Pipelines;
using System.Net;

namespace TcpChat.Server.Transport;

/// <summary>
/// A connection as a <see cref="Chat.Session"/> sees it, the way Kestrel's <c>ConnectionContext</c> shows one: bytes in
/// and out (<see cref="Transport"/>) and the address at the other end. TCP, TLS and WebSocket are each a way to get
/// one (<see cref="SocketConnection"/>, <see cref="Web.WebSocketConnection"/>); the session never sees a socket.
/// </summary>
/// <remarks>
/// The session reads frames from <c>Transport.Input</c> and writes them to <c>Transport.Output</c>. A transport may end
/// the input with an <see cref="InputRejectedException"/> when the client broke one of the transport's own limits (a
/// WebSocket message too large): the session answers it as it would a fatal framing error.
/// </remarks>
internal abstract class ChatConnection
{
    /// <summary>The connection's bytes: what the client sent (Input) and what the server writes to it (Output).</summary>
    public abstract IDuplexPipe Transport { get; }

    /// <summary>The client's address, as the server's per-address limits count it; null when it has none.</summary>
    public abstract IPEndPoint? RemoteEndPoint { get; }

    /// <summary>What the log calls the transport: <c>tcp</c>, <c>tls</c>, <c>ws</c>, <c>wss</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>
    /// Called once the last frames were written and flushed: the client is told that nothing more comes (TCP: FIN;
    /// WebSocket: a close frame after the frames still in <c>Transport.Output</c>).
    /// </summary>
    public abstract void CloseOutput();

    /// <summary>
    /// A lingering close, after <see cref="CloseOutput"/>: reads and discards what the client still sends, for at most
    /// <paramref name="time"/>, so that unread input cannot turn the close into a reset that drops the last frames.
    /// </summary>
    public abstract Task LingerAsync(TimeSpan time);

    /// <summary>Cuts the connection now: pending reads and writes end. Called once, last.</summary>
    public abstract void Abort();
}
