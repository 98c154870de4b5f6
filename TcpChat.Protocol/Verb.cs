namespace TcpChat.Protocol;

/// <summary>Every verb of protocol version 1, in either direction. <see cref="Unknown"/> is anything else.</summary>
public enum Verb
{
    Unknown,
    Hello,
    Nick,
    Join,
    Part,
    Send,
    Names,
    Ping,
    Pong,
    Quit,
    Msg,
    Err,
    Bye,
    History,
    Stats,
    Register,
    Pass,
    Members,
}

public static class Verbs
{
    private static readonly string[] Names =
        ["", "HELLO", "NICK", "JOIN", "PART", "SEND", "NAMES", "PING", "PONG", "QUIT", "MSG", "ERR", "BYE", "HISTORY", "STATS",
         "REGISTER", "PASS", "MEMBERS"];

    /// <summary>The verb as the server writes it: capitals.</summary>
    public static string ToWire(this Verb verb) => Names[(int)verb];

    /// <summary>Looks a verb up without regard to ASCII case; verbs are case-insensitive on input.</summary>
    public static Verb Lookup(ReadOnlySpan<byte> token)
    {
        if (token.Length is 0 or > 8) return Verb.Unknown; // REGISTER, the longest
        Span<char> upper = stackalloc char[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            byte b = token[i];
            if (b is >= (byte)'a' and <= (byte)'z') b -= 32;
            else if (b is < (byte)'A' or > (byte)'Z') return Verb.Unknown;
            upper[i] = (char)b;
        }
        for (int v = 1; v < Names.Length; v++)
            if (upper.SequenceEqual(Names[v])) return (Verb)v;
        return Verb.Unknown;
    }
}
