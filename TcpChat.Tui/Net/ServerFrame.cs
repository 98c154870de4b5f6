using TcpChat.Protocol;

namespace TcpChat.Tui.Net;

/// <summary>A frame from the server, copied out of the read buffer so the UI thread can keep it.</summary>
public sealed record ServerFrame(Verb Verb, string[] Args, string? Text)
{
    public string Arg(int i) => i < Args.Length ? Args[i] : "";
}
