namespace TcpChat.Server.History;

/// <summary>
/// One message as history keeps it: enough to write its MSG frame again, byte for byte.
/// <see cref="TargetKey"/> says which history it belongs to: a room's key (<c>#rust</c>), or for a private message the
/// two nick keys in ordinal order, space-separated (<c>alice bob</c>; <c>alice alice</c> for a note to oneself), so both
/// participants find the same conversation.
/// </summary>
public sealed record StoredMessage(string TargetKey, long Id, string Target, string Sender, long UnixMs, byte[] Text)
{
    /// <summary>The counter that gave <see cref="Id"/>: the room's key, or <see cref="MessageIds.Private"/>.</summary>
    public string CounterKey => TargetKey.StartsWith('#') ? TargetKey : MessageIds.Private;

    /// <summary>The history of a private conversation between two nick keys, the same whoever sent.</summary>
    public static string ConversationKey(string nickKeyA, string nickKeyB) =>
        string.CompareOrdinal(nickKeyA, nickKeyB) <= 0 ? nickKeyA + " " + nickKeyB : nickKeyB + " " + nickKeyA;
}
