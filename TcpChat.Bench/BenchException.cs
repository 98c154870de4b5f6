namespace TcpChat.Bench;

/// <summary>A benchmark that cannot go on: the message is for the person running it.</summary>
public sealed class BenchException(string message) : Exception(message);
