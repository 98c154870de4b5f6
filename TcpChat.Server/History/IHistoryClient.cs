using TcpChat.Protocol;

namespace TcpChat.Server.History;

/// <summary>What <see cref="MessageLog"/> needs of a connection (a <see cref="Chat.Session"/>).</summary>
internal interface IHistoryClient
{
    /// <summary>Tells the client its message was refused (<see cref="ErrorCode.NotStored"/>).</summary>
    void SendError(ErrorCode code, string verb, string text);

    /// <summary>
    /// Counts a history page of <paramref name="bytes"/> against the connection's outbox bound. False when that passes
    /// the bound: the connection is being closed as a slow consumer and the page is not sent.
    /// </summary>
    bool TryChargePage(int bytes);
}
