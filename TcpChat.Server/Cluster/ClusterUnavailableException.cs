namespace TcpChat.Server.Cluster;

/// <summary>
/// The engine could not be reached or answered no: nothing was stored. Or, when <see cref="Unconfirmed"/>, it was sent
/// and no answer came in time: it may still be stored, and then delivered late.
/// </summary>
internal sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    public bool Unconfirmed { get; init; }
}
