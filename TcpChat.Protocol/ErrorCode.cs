namespace TcpChat.Protocol;

/// <summary>The codes of <c>ERR &lt;CODE&gt; &lt;VERB or *&gt; &lt;text&gt;</c>; see docs/PROTOCOL.md, "Errors".</summary>
public enum ErrorCode
{
    BadFrame,
    TooLong,
    UnknownVerb,
    NeedNick,
    BadNick,
    NickInUse,
    BadRoom,
    NotInRoom,
    NoSuchNick,
    BadText,
    TooManyRooms,
    RateLimited,
    SlowConsumer,
    Timeout,
    Shutdown,
    ServerFull,
    StoreFailed,
    NotAllowed,
    TlsRequired,
    NotTcpChat,
    TooManyConnections,
    NickRegistered,
    BadPassword,
    NeedPass,
    Unavailable,
}

public static class ErrorCodes
{
    private static readonly string[] Names =
    [
        "BAD_FRAME", "TOO_LONG", "UNKNOWN_VERB", "NEED_NICK", "BAD_NICK", "NICK_IN_USE", "BAD_ROOM",
        "NOT_IN_ROOM", "NO_SUCH_NICK", "BAD_TEXT", "TOO_MANY_ROOMS", "RATE_LIMITED", "SLOW_CONSUMER",
        "TIMEOUT", "SHUTDOWN", "SERVER_FULL", "STORE_FAILED", "NOT_ALLOWED", "TLS_REQUIRED",
        "NOT_TCPCHAT", "TOO_MANY_CONNECTIONS", "NICK_REGISTERED", "BAD_PASSWORD", "NEED_PASS",
        "UNAVAILABLE",
    ];

    /// <summary>The code as written on the wire, e.g. <c>NICK_IN_USE</c>.</summary>
    public static string ToWire(this ErrorCode code) => Names[(int)code];

    public static bool TryParse(string wire, out ErrorCode code)
    {
        int i = Array.IndexOf(Names, wire);
        code = (ErrorCode)Math.Max(i, 0);
        return i >= 0;
    }
}
