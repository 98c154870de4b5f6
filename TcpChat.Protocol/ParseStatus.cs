namespace TcpChat.Protocol;

public enum ParseStatus
{
    /// <summary>No complete frame yet; consumed is the start of the input, examined its end.</summary>
    NeedMoreData,
    /// <summary>A frame was parsed; consumed and examined are just past it.</summary>
    Frame,
    /// <summary>A frame was consumed but is wrong; the framing is intact and the next frame can be parsed.</summary>
    Error,
    /// <summary>The framing is broken; nothing more can be parsed from this connection.</summary>
    FatalError,
}
