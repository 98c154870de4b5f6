using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

/// <summary>Which side reads: the server parses client-to-server frames, the client server-to-client frames.</summary>
public enum Direction
{
    ClientToServer,
    ServerToClient,
}

/// <summary>A frame as the parser should report it; <see cref="Text"/> is null when the frame carries no text.</summary>
public sealed record ExpectedFrame(Verb Verb, string[] Args, string? Text)
{
    public override string ToString() => Parsers.Describe(Verb, Args, Text);
}

internal static class Parsers
{
    public static FrameParser Server() => new(Grammar.ClientToServer, ProtocolDefaults.MaxLine, ProtocolDefaults.MaxPayload);

    public static FrameParser Client() =>
        new(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);

    public static FrameParser For(Direction direction) => direction == Direction.ClientToServer ? Server() : Client();

    /// <summary>A one-line picture of a frame, e.g. <c>SEND [#lobby] "hi\n"</c>: compares well and diffs well.</summary>
    public static string Describe(Verb verb, string[] args, string? text) =>
        $"{verb.ToWire()} [{string.Join(", ", args)}]{(text is null ? "" : $" \"{Sequences.Show(text)}\"")}";

    public static string Describe(in Frame frame) =>
        Describe(frame.Verb, frame.Args, frame.HasText ? frame.TextAsString() : null);

    public static string Describe(ProtocolError error) =>
        $"{(error.Fatal ? "fatal " : "")}ERR {error.Code.ToWire()} {error.Verb}";
}

/// <summary>
/// Every frame of both verb tables, and the ways each can be put on the wire: inline text or length form, LF or CRLF,
/// verbs in capitals or in lowercase.
/// </summary>
public static class FrameTables
{
    public static readonly ExpectedFrame[] ClientToServer =
    [
        new(Verb.Nick, ["bob"], null),
        new(Verb.Nick, ["João"], null),
        new(Verb.Join, ["#lobby"], null),
        new(Verb.Join, ["#漢字"], null),
        new(Verb.Part, ["#lobby"], null),
        new(Verb.Part, ["#lobby"], "bye for now"),
        new(Verb.Part, ["#lobby"], ""),
        new(Verb.Send, ["#lobby"], "hello world"),
        new(Verb.Send, ["alice"], "João 漢字 👍🏽"),
        new(Verb.Send, ["#lobby"], ""),
        new(Verb.Send, ["#lobby"], ":starts with a colon"),
        new(Verb.Send, ["#lobby"], "  leading and trailing spaces  "),
        new(Verb.Send, ["#lobby"], "tab\tinside"),
        new(Verb.Send, ["#lobby"], "5"),
        new(Verb.Send, ["#lobby"], "line one\nline two\n"),
        new(Verb.Send, ["#lobby"], "\n"),
        new(Verb.Send, ["#lobby"], "ends with CR\r"),
        new(Verb.Send, ["#lobby"], "crlf\r\ninside"),
        new(Verb.Names, ["#lobby"], null),
        new(Verb.Ping, [], null),
        new(Verb.Ping, ["5"], null), // PING carries no text, so 5 is a token, not a length
        new(Verb.Ping, ["tok-123"], null),
        new(Verb.Pong, [], null),
        new(Verb.Pong, ["5"], null),
        new(Verb.Quit, [], null),
        new(Verb.Quit, [], "gone fishing"),
        new(Verb.Quit, [], ""),
        new(Verb.Quit, [], "👍🏽"),
    ];

    public static readonly ExpectedFrame[] ServerToClient =
    [
        new(Verb.Hello, ["tcpchat/1", "chat.example.org", "max_line=4096", "max_payload=65536"], null),
        new(Verb.Hello, ["tcpchat/1", "srv"], null),
        new(Verb.Nick, ["*", "bob"], null),
        new(Verb.Nick, ["bob", "João"], null),
        new(Verb.Join, ["#lobby", "bob"], null),
        new(Verb.Part, ["#lobby", "bob"], null),
        new(Verb.Part, ["#lobby", "bob"], "see you"),
        new(Verb.Quit, ["bob"], null),
        new(Verb.Quit, ["bob"], "timeout"),
        new(Verb.Quit, ["bob"], ""),
        new(Verb.Msg, ["#lobby", "bob", "42", "2026-11-21T10:00:00.123Z"], "hello 👍🏽"),
        new(Verb.Msg, ["João", "漢字", "43", "2026-11-21T10:00:00.124Z"], "first line\nsecond line"),
        new(Verb.Msg, ["#lobby", "bob", "44", "2026-11-21T10:00:00.125Z"], ""),
        new(Verb.Names, ["#lobby"], "alice bob João"),
        new(Verb.Err, ["BAD_FRAME", "*"], "unknown verb FOO"),
        new(Verb.Err, ["NICK_IN_USE", "NICK"], "nick João is in use"),
        new(Verb.Bye, [], "server shutting down"),
        new(Verb.Bye, [], ""),
        new(Verb.Ping, [], null),
        new(Verb.Ping, ["5"], null),
        new(Verb.Pong, ["tok"], null),
    ];

    public static ExpectedFrame[] Of(Direction direction) =>
        direction == Direction.ClientToServer ? ClientToServer : ServerToClient;

    /// <summary>
    /// Every spelling of <paramref name="frame"/>: the verb in capitals and in lowercase; no text, inline text
    /// (when the text fits on one line) or the length form; LF or CRLF after the control line and after the payload.
    /// </summary>
    public static IEnumerable<string> WireForms(ExpectedFrame frame)
    {
        string[] endings = ["\n", "\r\n"];
        var seen = new HashSet<string>();
        foreach (string verb in new[] { frame.Verb.ToWire(), frame.Verb.ToWire().ToLowerInvariant() })
        {
            string head = verb + string.Concat(frame.Args.Select(a => " " + a));
            foreach (string lineEnd in endings)
            {
                if (frame.Text is null)
                {
                    if (seen.Add(head + lineEnd)) yield return head + lineEnd;
                    continue;
                }
                bool fitsInline = !frame.Text.Contains('\n') && !frame.Text.EndsWith('\r');
                if (fitsInline && seen.Add(head + " :" + frame.Text + lineEnd)) yield return head + " :" + frame.Text + lineEnd;
                foreach (string payloadEnd in endings)
                {
                    string wire = $"{head} {Encoding.UTF8.GetByteCount(frame.Text)}{lineEnd}{frame.Text}{payloadEnd}";
                    if (seen.Add(wire)) yield return wire;
                }
            }
        }
    }

    /// <summary>Rows of (direction, wire, expected verb, args, text) for every wire form of every frame of both tables.</summary>
    public static TheoryData<Direction, string, Verb, string[], string?> AllWireForms()
    {
        var data = new TheoryData<Direction, string, Verb, string[], string?>();
        foreach (Direction direction in Enum.GetValues<Direction>())
            foreach (ExpectedFrame frame in Of(direction))
                foreach (string wire in WireForms(frame))
                    data.Add(direction, wire, frame.Verb, frame.Args, frame.Text);
        return data;
    }

    /// <summary>All frames of one direction, each in every wire form, in table order, with blank lines sprinkled in.</summary>
    public static (string Stream, List<string> Expected) Stream(Direction direction)
    {
        var stream = new StringBuilder();
        var expected = new List<string>();
        int i = 0;
        foreach (ExpectedFrame frame in Of(direction))
            foreach (string wire in WireForms(frame))
            {
                if (i++ % 7 == 3) stream.Append(i % 2 == 0 ? "\n" : "\r\n");
                stream.Append(wire);
                expected.Add(frame.ToString());
            }
        return (stream.ToString(), expected);
    }
}
