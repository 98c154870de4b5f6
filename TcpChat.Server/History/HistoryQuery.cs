namespace TcpChat.Server.History;

/// <summary>
/// One page of history to read: the messages of <paramref name="TargetKey"/> with an id below <paramref name="BeforeId"/>,
/// the newest <paramref name="Limit"/> of them. <paramref name="Header"/> is the target written in the
/// <c>HISTORY &lt;target&gt; &lt;count&gt;</c> line; <paramref name="RoomName"/>, for a room, is the target written in its
/// MSG frames (the room's spelling now), else each message's own target (a private message's recipient).
/// </summary>
public sealed record HistoryQuery(string TargetKey, string Header, string? RoomName, long BeforeId, int Limit);
