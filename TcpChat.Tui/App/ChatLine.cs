namespace TcpChat.Tui.App;

public enum ConnectionStatus
{
    Connecting,
    Connected,
    Disconnected,
}

/// <summary>
/// What a line in a room is. <see cref="Message"/> and <see cref="Action"/> (/me) are what people said and the only
/// kinds that count as unread. <see cref="Join"/>, <see cref="Part"/>, <see cref="Quit"/> and <see cref="Nick"/> are
/// dim system lines; <see cref="Info"/> is a client notice or command output; <see cref="Error"/> an ERR from the server.
/// </summary>
public enum LineKind
{
    Message,
    Action,
    Join,
    Part,
    Quit,
    Nick,
    Info,
    Error,
}

/// <summary>
/// One line of a room. For <see cref="LineKind.Message"/> and <see cref="LineKind.Action"/>, <see cref="Nick"/> is the
/// sender and <see cref="Text"/> what they said (without the "/me " prefix for an action). For every other kind
/// <see cref="Text"/> is the whole sentence to show ("alice joined #rust"); <see cref="Nick"/> is informational.
/// Text may hold '\n' (a multi-line message) and anything else the network sent: views sanitize it when drawing.
/// <see cref="Mention"/> and <see cref="Own"/> are set by <see cref="ChatState.AddLine"/>.
/// </summary>
public sealed record ChatLine(DateTimeOffset Time, LineKind Kind, string? Nick, string Text)
{
    /// <summary>Someone else's message or action that names my nick (case-insensitive, whole word).</summary>
    public bool Mention { get; set; }

    /// <summary>A message or action I sent (the sender is my nick).</summary>
    public bool Own { get; set; }

    /// <summary>The server's message id (MSG lines only): orders history pages and skips what is already shown.</summary>
    public long? Id { get; init; }

    /// <summary>True for the kinds people say (<see cref="LineKind.Message"/>, <see cref="LineKind.Action"/>).</summary>
    public bool IsSpoken => Kind is LineKind.Message or LineKind.Action;
}

public enum RoomKind
{
    /// <summary>The first tab, "server": notices, errors, help.</summary>
    Status,
    /// <summary>A "#room".</summary>
    Room,
    /// <summary>A private conversation with one nick; the tab is named after that nick.</summary>
    Private,
}
