using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Server.Security;

/// <summary>
/// The server's defences against hostile clients, bound from the "Security" section: appsettings.json, then environment
/// variables (<c>Security__FloodRate=10</c>), then the command line (<c>--flood-rate 10</c>). docs/PROTOCOL.md
/// ("Limits and settings", "Flood control", "Accounts") says what each one does to the protocol.
/// </summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>A connection that has not registered (a NICK that succeeded) this long after connecting gets ERR TIMEOUT and is closed.</summary>
    public double RegistrationTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest control line before registration, in bytes; never more than Chat:MaxLine.</summary>
    public int UnregisteredMaxLine { get; set; } = 512;

    /// <summary>Largest length-form text before registration, in bytes; never more than Chat:MaxPayload.</summary>
    public int UnregisteredMaxPayload { get; set; } = 512;

    /// <summary>Frames a connection may send at once before flood control holds it back.</summary>
    public int FloodBurst { get; set; } = 20;

    /// <summary>Frames per second a connection may send in the long run (PING and PONG are free).</summary>
    public double FloodRate { get; set; } = 5;

    /// <summary>
    /// A connection held back by flood control this long without a break is disconnected with ERR RATE_LIMITED. With the
    /// default burst and rate, 20 s lets 120 frames through at once, more than a client in the most rooms allowed
    /// (Chat:MaxRoomsPerUser, 100) sends when it rejoins them all after a reconnect.
    /// </summary>
    public double FloodMaxLagSeconds { get; set; } = 20;

    /// <summary>Connections at once from one IPv4 address, or one IPv6 /64; loopback included.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 20;

    /// <summary>When set, a connection must send <c>PASS &lt;password&gt;</c> before anything but PING, PONG and QUIT.</summary>
    public string ServerPassword { get; set; } = "";

    /// <summary>Wrong passwords (PASS, NICK with a password) one connection may give; the last one closes it with ERR RATE_LIMITED.</summary>
    public int MaxPasswordFailures { get; set; } = 5;

    /// <summary>
    /// Wrong passwords from one address (IPv4, or IPv6 /64) before every password from it is refused with ERR RATE_LIMITED;
    /// one is forgiven every <see cref="PasswordFailureForgivenSeconds"/>.
    /// </summary>
    public int MaxPasswordFailuresPerAddress { get; set; } = 20;

    /// <summary>How often one wrong password of an address is forgotten.</summary>
    public double PasswordFailureForgivenSeconds { get; set; } = 60;

    /// <summary>Nicks one address (IPv4, or IPv6 /64) may register in an hour; changing a password does not count.</summary>
    public int MaxNewAccountsPerAddressPerHour { get; set; } = 5;

    /// <summary>How long the answer to a wrong password is held back; the connection reads nothing meanwhile.</summary>
    public double PasswordFailureDelaySeconds { get; set; } = 1;

    /// <summary>The line limit in force before registration: the smaller of the two.</summary>
    public int UnregisteredLineLimit(ChatOptions chat) => Math.Min(UnregisteredMaxLine, chat.MaxLine);

    /// <summary>The payload limit in force before registration: the smaller of the two.</summary>
    public int UnregisteredPayloadLimit(ChatOptions chat) => Math.Min(UnregisteredMaxPayload, chat.MaxPayload);

    /// <summary>The problems with these settings, one line each; empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (RegistrationTimeoutSeconds is <= 0 or > 3600)
            yield return $"Security:RegistrationTimeoutSeconds must be above 0 and at most 3600 (got {RegistrationTimeoutSeconds})";
        if (UnregisteredMaxLine is < 64 or > 1024 * 1024)
            yield return $"Security:UnregisteredMaxLine must be 64-1048576 bytes (got {UnregisteredMaxLine})";
        if (UnregisteredMaxPayload is < 1 or > 64 * 1024 * 1024)
            yield return $"Security:UnregisteredMaxPayload must be 1-67108864 bytes (got {UnregisteredMaxPayload})";
        if (FloodBurst is < 1 or > 1_000_000_000) yield return $"Security:FloodBurst must be 1-1000000000 frames (got {FloodBurst})";
        if (!(FloodRate > 0) || FloodRate > 1_000_000_000) yield return $"Security:FloodRate must be above 0 and at most 1000000000 frames a second (got {FloodRate})";
        if (FloodMaxLagSeconds is <= 0 or > 3600) yield return $"Security:FloodMaxLagSeconds must be above 0 and at most 3600 (got {FloodMaxLagSeconds})";
        if (MaxConnectionsPerAddress < 1) yield return $"Security:MaxConnectionsPerAddress must be at least 1 (got {MaxConnectionsPerAddress})";
        if (ServerPassword.Length > 0 && (!FrameWriter.IsValidArgument(ServerPassword) || ServerPassword.StartsWith(':')
                || Encoding.UTF8.GetByteCount(ServerPassword) > Passwords.MaxBytes))
            yield return $"Security:ServerPassword must be one word without spaces or control characters, not starting with ':', at most {Passwords.MaxBytes} bytes";
        if (MaxPasswordFailures < 1) yield return $"Security:MaxPasswordFailures must be at least 1 (got {MaxPasswordFailures})";
        if (MaxPasswordFailuresPerAddress < 1) yield return $"Security:MaxPasswordFailuresPerAddress must be at least 1 (got {MaxPasswordFailuresPerAddress})";
        if (PasswordFailureForgivenSeconds is <= 0 or > 86_400)
            yield return $"Security:PasswordFailureForgivenSeconds must be above 0 and at most 86400 (got {PasswordFailureForgivenSeconds})";
        if (MaxNewAccountsPerAddressPerHour is < 1 or > 1_000_000)
            yield return $"Security:MaxNewAccountsPerAddressPerHour must be 1-1000000 (got {MaxNewAccountsPerAddressPerHour})";
        if (PasswordFailureDelaySeconds is < 0 or > 60)
            yield return $"Security:PasswordFailureDelaySeconds must be 0-60 (got {PasswordFailureDelaySeconds})";
    }
}
