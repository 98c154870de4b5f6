namespace TcpChat.Server.Cluster;

/// <summary>The engine could not be reached, or did not acknowledge in time: nothing was stored.</summary>
internal sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
