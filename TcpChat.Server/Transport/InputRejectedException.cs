using TcpChat.Protocol;

namespace TcpChat.Server.Transport;

/// <summary>
/// Ends a connection's input when the client broke a limit of the transport itself (a WebSocket message over its
/// largest size): the session closes with <c>ERR &lt;Code&gt;</c> and <c>BYE</c>, as after a fatal framing error.
/// </summary>
internal sealed class InputRejectedException(ErrorCode code, string message) : Exception(message)
{
    public ErrorCode Code { get; } = code;
}
