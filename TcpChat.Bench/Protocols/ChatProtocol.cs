using System.Buffers;

namespace TcpChat.Bench.Protocols;

/// <summary>What a protocol session reports while parsing what the server sent.</summary>
public interface IProtocolEvents
{
    /// <summary>The connection is registered and in its room: what comes after is live.</summary>
    void OnReady();

    /// <summary>A message of the room, its text only.</summary>
    void OnMessage(ReadOnlySpan<byte> text);

    /// <summary>The server refused something or is closing the connection; the reason as the server gave it.</summary>
    void OnError(string reason, bool fatal);
}

/// <summary>
/// One client's side of a protocol, as a state machine over bytes: no sockets, so every adapter test runs on bytes.
/// <see cref="Parse"/> consumes complete frames only; what remains is a partial frame, given again with more bytes.
/// </summary>
public interface IProtocolSession
{
    /// <summary>What the client sends first: registration, and the room's join when the protocol allows it at once.</summary>
    void Start(IBufferWriter<byte> output);

    /// <summary>
    /// Parses every complete frame at the start of <paramref name="input"/>, reporting to <paramref name="events"/> and
    /// writing any answer (PONG, a JOIN after registration) to <paramref name="output"/>. Returns the bytes consumed.
    /// </summary>
    int Parse(ReadOnlySpan<byte> input, IBufferWriter<byte> output, IProtocolEvents events);
}

/// <summary>
/// A protocol the load generator speaks, so that every server faces the same client: how to register, join one room
/// (a subject, for NATS), publish to it, and read back its messages.
/// </summary>
public abstract class ChatProtocol
{
    public abstract string Name { get; }

    public abstract int DefaultPort { get; }

    /// <summary>Whether the server sends a sender its own room messages back (TcpChat does; IRC and NATS do not).</summary>
    public abstract bool EchoesToSender { get; }

    /// <summary>The longest message text the protocol carries in one frame with these nicks and room.</summary>
    public abstract int MaxText { get; }

    /// <summary>A session of one client, <paramref name="publisher"/> when it sends (it may need rights to send fast).</summary>
    public abstract IProtocolSession NewSession(string nick, string room, bool publisher);

    /// <summary>Encodes one message of <paramref name="text"/> to <paramref name="room"/>.</summary>
    public abstract void WritePublish(IBufferWriter<byte> output, string room, ReadOnlySpan<byte> text);

    /// <summary>A room name valid in this protocol from a short token of letters and digits.</summary>
    public abstract string RoomName(string token);

    /// <summary>Looks a protocol up by its name: tcpchat, irc, nats.</summary>
    public static ChatProtocol Parse(string name, string? ircOper = null) => name.ToLowerInvariant() switch
    {
        "tcpchat" => new TcpChatProtocol(),
        "irc" => new IrcProtocol(ircOper),
        "nats" => new NatsProtocol(),
        _ => throw new BenchException($"unknown protocol '{name}': tcpchat, irc or nats"),
    };

    protected static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    protected static void Write(IBufferWriter<byte> output, string ascii)
    {
        Span<byte> span = output.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(ascii.Length));
        output.Advance(System.Text.Encoding.UTF8.GetBytes(ascii, span));
    }

    protected static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        Span<byte> span = output.GetSpan(20);
        value.TryFormat(span, out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>Parses an unsigned decimal number; false when it is empty, not digits, or too long.</summary>
    protected internal static bool TryNumber(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 9) return false;
        foreach (byte b in digits)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            value = value * 10 + (int)d;
        }
        return true;
    }

    /// <summary>
    /// Splits <paramref name="line"/> at spaces into at most <c>ranges.Length</c> tokens (the rest of the line, when there
    /// are more, stays in the last one); returns how many.
    /// </summary>
    protected internal static int Tokens(ReadOnlySpan<byte> line, Span<Range> ranges)
    {
        int count = 0, at = 0;
        while (count < ranges.Length)
        {
            while (at < line.Length && line[at] == ' ') at++;
            if (at == line.Length) break;
            int space = count == ranges.Length - 1 ? -1 : line[at..].IndexOf((byte)' ');
            int end = space < 0 ? line.Length : at + space;
            ranges[count++] = at..end;
            at = end;
        }
        return count;
    }

    /// <summary>The next space-separated token of <paramref name="line"/>; the rest after it (its spaces skipped).</summary>
    protected internal static ReadOnlySpan<byte> NextToken(ref ReadOnlySpan<byte> line)
    {
        int space = line.IndexOf((byte)' ');
        ReadOnlySpan<byte> token = space < 0 ? line : line[..space];
        line = space < 0 ? default : line[(space + 1)..].TrimStart((byte)' ');
        return token;
    }
}
