using System.Net;
using TcpChat.Protocol;

namespace TcpChat.Server;

/// <summary>
/// Every setting of the server, bound from the "Chat" section: appsettings.json, then environment variables
/// (<c>Chat__Port=7000</c>), then the command line (<c>--port 7000</c> or <c>--Chat:Port=7000</c>).
/// docs/CONFIGURATION.md lists them with their defaults.
/// </summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    /// <summary>TCP port to listen on; 0 picks a free port (the log line says which).</summary>
    public int Port { get; set; } = ProtocolDefaults.Port;

    /// <summary>Address to listen on: 0.0.0.0 for every IPv4 interface, :: for IPv6 too, 127.0.0.1 for this box only.</summary>
    public string Bind { get; set; } = "0.0.0.0";

    /// <summary>The name the server gives itself in HELLO; one token.</summary>
    public string ServerName { get; set; } = Environment.MachineName;

    /// <summary>Largest control line a client may send, in bytes (inline text included).</summary>
    public int MaxLine { get; set; } = ProtocolDefaults.MaxLine;

    /// <summary>Largest text a client may send in the length form, in bytes.</summary>
    public int MaxPayload { get; set; } = ProtocolDefaults.MaxPayload;

    /// <summary>A client silent this long gets a PING; silent twice this long, it is closed with ERR TIMEOUT.</summary>
    public int PingSeconds { get; set; } = 60;

    /// <summary>The room every user joins on registering; empty for none.</summary>
    public string DefaultRoom { get; set; } = "#lobby";

    /// <summary>Bytes that may wait in a connection's outbox; past it the connection is a slow consumer and is closed.</summary>
    public int OutboxBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Bytes that may wait in all outboxes together; past it the connections holding the most (and more than two of
    /// the largest frames) are closed as slow consumers until the rest fits (Chat/OutboxBudget.cs).
    /// </summary>
    public long OutboxTotalBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Above this many members a room is big: JOIN, PART and QUIT are not sent to its members, who get MEMBERS (the
    /// count) instead, and NAMES about it is paged (docs/PROTOCOL.md, "Big rooms"). It is small again at half of it.
    /// </summary>
    public int BigRoomMembers { get; set; } = 500;

    /// <summary>A big room's members get its count at most once per this many seconds (and only when it moved by 1%).</summary>
    public double MemberCountSeconds { get; set; } = 2;

    /// <summary>Most nicks in one NAMES answer about a big room (HELLO names=); a larger limit= is cut to it.</summary>
    public int NamesPage { get; set; } = 200;

    /// <summary>How long the last frames (ERR, BYE) of a closing connection may take to be written before it is cut.</summary>
    public double CloseTimeoutSeconds { get; set; } = 5;

    /// <summary>A write to a client (at most 64 KiB) that has not finished this long after it started: a slow consumer, closed.</summary>
    public double WriteTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// After a burst of at least 1,000 new connections or disconnections, once none has come for this long, compact the heap and give the
    /// free memory back to the system (Hosting/MemoryTrimmer.cs); 0: never.
    /// </summary>
    public double TrimMemoryAfterSeconds { get; set; } = 10;

    /// <summary>
    /// A trim that is due waits while the server writes more frames a second than this (over one sweep period): its
    /// collection stops every thread, and every receiver waits for it. 0: it does not wait.
    /// </summary>
    public int TrimMemoryMaxFramesPerSecond { get; set; } = 2000;

    /// <summary>The longest a due trim waits for quieter traffic; then it runs anyway.</summary>
    public double TrimMemoryMaxWaitSeconds { get; set; } = 120;

    /// <summary>How many rooms one connection may be in at once.</summary>
    public int MaxRoomsPerUser { get; set; } = 100;

    /// <summary>How many connections the server holds at once; beyond it a new one gets ERR SERVER_FULL and is closed.</summary>
    public int MaxConnections { get; set; } = 20_000;

    /// <summary>
    /// Open files kept free for the server itself beyond those it has at start: TLS handshakes and refusals in
    /// progress, the database's journal, the runtime. Connections are capped at the open-file limit (RLIMIT_NOFILE)
    /// minus what is open at start minus this, when that is below <see cref="MaxConnections"/>.
    /// </summary>
    public int ReservedDescriptors { get; set; } = 128;

    /// <summary>On SIGTERM or Ctrl+C, how long connections get to receive BYE before the process exits.</summary>
    public double ShutdownSeconds { get; set; } = 5;

    /// <summary>Whether the main port speaks TLS (then plain clients are refused with ERR TLS_REQUIRED).</summary>
    public bool Tls { get; set; }

    /// <summary>A second port that speaks TLS, beside the main one; 0 for none.</summary>
    public int TlsPort { get; set; }

    /// <summary>The server's certificate (chain), PEM.</summary>
    public string TlsCertificate { get; set; } = "";

    /// <summary>The certificate's private key, PEM (PKCS#8, or RSA/EC).</summary>
    public string TlsKey { get; set; } = "";

    /// <summary>How long a TLS client gets to finish its handshake.</summary>
    public double TlsHandshakeSeconds { get; set; } = 10;

    /// <summary>
    /// Where socket continuations run: <c>true</c>, on .NET's I/O (epoll) threads, one per core, so that a message goes
    /// from its sender's socket to its receivers' on one thread, with no pool thread woken per receiver; <c>false</c>, on
    /// the thread pool (.NET's default); <c>auto</c>, true when history is kept in memory (<c>--no-history</c>), false
    /// with the database, where it measured no gain (bench/notes.md, issue 15). Applied by the server process at start,
    /// before its first socket; in-process hosts (tests) leave the process as it is.
    /// </summary>
    public string InlineSocketCompletions { get; set; } = "auto";

    /// <summary><see cref="InlineSocketCompletions"/> decided: <paramref name="historyInMemory"/> for <c>auto</c>.</summary>
    public bool RunsSocketsInline(bool historyInMemory) =>
        InlineSocketCompletions.Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? historyInMemory
            : InlineSocketCompletions.Equals("true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Who may ask for STATS: <c>loopback</c>, <c>any</c>, addresses and networks, comma-separated.</summary>
    public string StatsAllowedFrom { get; set; } = "loopback";

    /// <summary>The certificate with its key, from the PEM files.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 LoadCertificate() =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(TlsCertificate, TlsKey);

    /// <summary>The problems with these settings, one line each; empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (Port is < 0 or > 65535) yield return $"Port must be 0-65535 (got {Port})";
        if (!IPAddress.TryParse(Bind, out _)) yield return $"Bind must be an IP address such as 0.0.0.0, :: or 127.0.0.1 (got '{Bind}')";
        if (string.IsNullOrEmpty(ServerName) || !FrameWriter.IsValidArgument(ServerName))
            yield return $"ServerName must be one word without spaces (got '{ServerName}')";
        if (MaxLine is < 64 or > 1024 * 1024) yield return $"MaxLine must be 64-1048576 bytes (got {MaxLine})";
        if (MaxPayload is < 1 or > 64 * 1024 * 1024) yield return $"MaxPayload must be 1-67108864 bytes (got {MaxPayload})";
        if (PingSeconds is < 1 or > 86400) yield return $"PingSeconds must be 1-86400 (got {PingSeconds})";
        if (DefaultRoom.Length > 0 && (!TextRules.TryNormalizeRoom(DefaultRoom, out _, out _)))
            yield return $"DefaultRoom must be a room name such as #lobby, or empty (got '{DefaultRoom}')";
        // An outbox must hold a couple of the largest messages, or a sender is cut off by its own echoes.
        long minOutbox = 2L * (MaxPayload + MaxLine);
        if (OutboxBytes < minOutbox) yield return $"OutboxBytes must be at least 2 x (MaxPayload + MaxLine) = {minOutbox} (got {OutboxBytes})";
        if (OutboxTotalBytes < OutboxBytes) yield return $"OutboxTotalBytes must be at least OutboxBytes = {OutboxBytes} (got {OutboxTotalBytes})";
        if (BigRoomMembers < 2) yield return $"BigRoomMembers must be at least 2 (got {BigRoomMembers})";
        if (MemberCountSeconds is < 0 or > 3600) yield return $"MemberCountSeconds must be 0 to 3600 (got {MemberCountSeconds})";
        if (NamesPage is < 1 or > 10_000) yield return $"NamesPage must be 1-10000 (got {NamesPage})";
        if (CloseTimeoutSeconds is <= 0 or > 600) yield return $"CloseTimeoutSeconds must be above 0 and at most 600 (got {CloseTimeoutSeconds})";
        if (WriteTimeoutSeconds is <= 0 or > 3600) yield return $"WriteTimeoutSeconds must be above 0 and at most 3600 (got {WriteTimeoutSeconds})";
        if (TrimMemoryAfterSeconds is < 0 or > 86400) yield return $"TrimMemoryAfterSeconds must be 0 (never) to 86400 (got {TrimMemoryAfterSeconds})";
        if (TrimMemoryMaxFramesPerSecond < 0) yield return $"TrimMemoryMaxFramesPerSecond must be 0 (no wait) or more (got {TrimMemoryMaxFramesPerSecond})";
        if (TrimMemoryMaxWaitSeconds is < 0 or > 86400) yield return $"TrimMemoryMaxWaitSeconds must be 0 to 86400 (got {TrimMemoryMaxWaitSeconds})";
        if (MaxRoomsPerUser < 1) yield return $"MaxRoomsPerUser must be at least 1 (got {MaxRoomsPerUser})";
        if (MaxConnections < 1) yield return $"MaxConnections must be at least 1 (got {MaxConnections})";
        if (ReservedDescriptors is < 16 or > 100_000) yield return $"ReservedDescriptors must be 16-100000 (got {ReservedDescriptors})";
        if (TlsPort is < 0 or > 65535) yield return $"TlsPort must be 0-65535 (got {TlsPort})";
        if (InlineSocketCompletions.ToLowerInvariant() is not ("auto" or "true" or "false"))
            yield return $"InlineSocketCompletions must be auto, true or false (got '{InlineSocketCompletions}')";
        if (TlsHandshakeSeconds is <= 0 or > 600) yield return $"TlsHandshakeSeconds must be above 0 and at most 600 (got {TlsHandshakeSeconds})";
        if (Tls || TlsPort > 0)
        {
            string? problem = null;
            try { using var certificate = LoadCertificate(); }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
            {
                problem = $"TlsCertificate/TlsKey: cannot load '{TlsCertificate}' with key '{TlsKey}': {e.Message}";
            }
            if (problem is not null) yield return problem;
        }
        if (!Chat.AddressRule.TryParse(StatsAllowedFrom, out _, out string statsProblem))
            yield return $"StatsAllowedFrom: {statsProblem}";
        if (ShutdownSeconds is <= 0 or > 600) yield return $"ShutdownSeconds must be above 0 and at most 600 (got {ShutdownSeconds})";
    }
}
