using System.Text;

namespace TcpChat.Server.Cluster;

/// <summary>
/// Names in the engine. Rooms and nicks may be accented or CJK, and a NATS subject token or key may hold only a few
/// ASCII characters, so a name's key (<see cref="Protocol.TextRules.Key"/>, lower-cased NFC) is written as the hex of
/// its UTF-8 bytes: <c>#café</c> is <c>2363616fc3a9</c>. Everything lives in one stream, so one ordered consumer sees
/// one order across rooms, private conversations and membership:
/// <list type="bullet">
/// <item><c>tcpchat.room.&lt;room&gt;</c>: a room's messages (its HISTORY).</item>
/// <item><c>tcpchat.members.&lt;room&gt;</c>: joins and parts.</item>
/// <item><c>tcpchat.dm.&lt;nick&gt;.&lt;nick&gt;</c>: a private conversation, the two nicks in ordinal order.</item>
/// <item><c>tcpchat.quit</c>, <c>tcpchat.nick</c>: a user left the cluster, or renamed.</item>
/// </list>
/// </summary>
internal static class Subjects
{
    public const string Stream = "TCPCHAT";
    public const string All = "tcpchat.>";
    public const string RoomPrefix = "tcpchat.room.";
    public const string MembersPrefix = "tcpchat.members.";
    public const string PrivatePrefix = "tcpchat.dm.";
    public const string Quit = "tcpchat.quit";
    public const string Nick = "tcpchat.nick";

    public const string NicksBucket = "tcpchat-nicks";
    public const string MembersBucket = "tcpchat-members";
    public const string NodesBucket = "tcpchat-nodes";
    public const string AccountsBucket = "tcpchat-accounts";

    public static string Token(string key) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(key));

    public static string KeyOf(string token) => Encoding.UTF8.GetString(Convert.FromHexString(token));

    public static string Room(string roomKey) => RoomPrefix + Token(roomKey);

    public static string Members(string roomKey) => MembersPrefix + Token(roomKey);

    public static string Private(string nickKeyA, string nickKeyB) =>
        string.CompareOrdinal(nickKeyA, nickKeyB) <= 0
            ? PrivatePrefix + Token(nickKeyA) + "." + Token(nickKeyB)
            : PrivatePrefix + Token(nickKeyB) + "." + Token(nickKeyA);

    /// <summary>The key of a membership: room and nick.</summary>
    public static string MemberKey(string roomKey, string nickKey) => Token(roomKey) + "." + Token(nickKey);
}
