namespace TcpChat.Tui.App;

/// <summary>What the user asked for on the command line or in the config file.</summary>
public sealed record ClientOptions
{
    public string Host { get; init; } = "localhost";
    public int Port { get; init; } = Protocol.ProtocolDefaults.Port;
    public string Nick { get; init; } = Environment.UserName;
    public IReadOnlyList<string> Rooms { get; init; } = [];
    public bool Bell { get; init; } = true;

    /// <summary>Capture the mouse (wheel scrolls the messages, a click picks a tab). Off by default, so the terminal's own text selection keeps working.</summary>
    public bool Mouse { get; init; }

    /// <summary>The password of a registered nick (config file <c>password</c>, or $TCPCHAT_PASSWORD).</summary>
    public string? Password { get; init; } = Environment.GetEnvironmentVariable("TCPCHAT_PASSWORD") is { Length: > 0 } p ? p : null;

    /// <summary>The server's password, for a private server (config <c>server_password</c>, or $TCPCHAT_SERVER_PASSWORD).</summary>
    public string? ServerPassword { get; init; } = Environment.GetEnvironmentVariable("TCPCHAT_SERVER_PASSWORD") is { Length: > 0 } p ? p : null;
    public Net.ChatConnection.Security Security { get; init; } = Net.ChatConnection.Security.None;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan ReconnectInitial { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);
}
