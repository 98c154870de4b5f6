namespace TcpChat.Protocol;

/// <summary>
/// What the parser found wrong. <see cref="Fatal"/> errors break the framing (the reader cannot tell where the next
/// frame starts), so the connection must end: ERR, BYE, close. Other errors cost only the frame they are in.
/// </summary>
public readonly record struct ProtocolError(ErrorCode Code, string Verb, string Message, bool Fatal)
{
    /// <summary>Used in <c>ERR</c> when the verb is unknown or unreadable.</summary>
    public const string NoVerb = "*";
}
