namespace TcpChat.Protocol;

/// <summary>Defaults both ends agree on until HELLO says otherwise.</summary>
public static class ProtocolDefaults
{
    public const string Version = "tcpchat/1";
    public const int Port = 7777;
    public const int MaxLine = 4096;
    public const int MaxPayload = 65536;

    /// <summary>
    /// What a client accepts from a server: frames a server writes (NAMES of a big room, say) can be larger than
    /// what it accepts from clients.
    /// </summary>
    public const int ClientMaxLine = 64 * 1024;
    public const int ClientMaxPayload = 16 * 1024 * 1024;

    /// <summary>The time format of MSG: UTC with milliseconds, <c>2026-11-21T10:00:00.123Z</c>.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
}
