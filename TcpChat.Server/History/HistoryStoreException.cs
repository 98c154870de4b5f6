namespace TcpChat.Server.History;

/// <summary>The history database cannot be used at start: the message names the file and what is wrong.</summary>
public sealed class HistoryStoreException(string message, Exception? inner = null) : Exception(message, inner);
