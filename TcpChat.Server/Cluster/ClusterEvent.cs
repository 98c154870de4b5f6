using System.Text;

namespace TcpChat.Server.Cluster;

/// <summary>
/// What one message of the stream says: a kind, a fixed number of one-line fields for that kind, then the rest of the
/// payload as text (a message's bytes, a PART or QUIT reason), passed on byte for byte.
/// <code>&lt;kind&gt;\n&lt;field&gt;\n...&lt;field&gt;\n&lt;text&gt;</code>
/// Fields are nicks, room names, node names and numbers: none holds a line feed.
/// </summary>
internal sealed record ClusterEvent(string Kind, string[] Fields, byte[] Text)
{
    public const string Message = "msg";       // sender
    public const string Private = "dm";        // sender, recipient as spelled
    public const string Join = "join";         // nick, node, session id, room as spelled
    public const string Part = "part";         // nick, node, room; text: the reason
    public const string Quit = "quit";         // nick, node; text: the reason
    public const string Rename = "nick";       // old nick, new nick, node

    private static int FieldCount(string kind) => kind switch
    {
        Message => 1,
        Private => 2,
        Join => 4,
        Part => 3,
        Quit => 2,
        Rename => 3,
        _ => -1,
    };

    public byte[] Encode()
    {
        var head = Encoding.UTF8.GetBytes(Kind + "\n" + string.Concat(Fields.Select(f => f + "\n")));
        var payload = new byte[head.Length + Text.Length];
        head.CopyTo(payload, 0);
        Text.CopyTo(payload, head.Length);
        return payload;
    }

    /// <summary>Null for a payload this version does not understand (it is skipped, not fatal).</summary>
    public static ClusterEvent? Decode(ReadOnlySpan<byte> payload)
    {
        int end = payload.IndexOf((byte)'\n');
        if (end < 0) return null;
        string kind = Encoding.UTF8.GetString(payload[..end]);
        int count = FieldCount(kind);
        if (count < 0) return null;
        var fields = new string[count];
        int at = end + 1;
        for (int i = 0; i < count; i++)
        {
            int length = payload[at..].IndexOf((byte)'\n');
            if (length < 0) return null;
            fields[i] = Encoding.UTF8.GetString(payload.Slice(at, length));
            at += length + 1;
        }
        return new ClusterEvent(kind, fields, payload[at..].ToArray());
    }
}
