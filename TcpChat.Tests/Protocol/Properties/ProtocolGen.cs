using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol.Properties;

/// <summary>A frame as a test writes it: <see cref="Text"/> is null for a frame without text.</summary>
public sealed record WrittenFrame(Verb Verb, string[] Args, byte[]? Text)
{
    /// <summary>The frame on the wire, as <see cref="FrameWriter"/> writes it (always the length form).</summary>
    public byte[] Wire() => FrameWriter.Encode(w =>
    {
        if (Text is null) FrameWriter.Write(w, Verb, Args);
        else FrameWriter.WriteWithText(w, Verb, Args, Text.AsSpan());
    });

    /// <summary>Bytes of the control line, LF excluded: what <c>max_line</c> limits.</summary>
    public int ControlLineLength =>
        Encoding.UTF8.GetByteCount(Verb.ToWire() + string.Concat(Args.Select(a => " " + a)))
        + (Text is null ? 0 : 1 + Text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);

    public string Describe() => Outcomes.Frame(Verb, Args, Text);

    public override string ToString() => Describe();
}

/// <summary>
/// FsCheck generators for the parser's properties: valid frames of either grammar (arguments that are valid tokens,
/// Unicode included; texts of any valid UTF-8, newlines and control characters included), and hostile byte streams
/// made of protocol-shaped pieces and random bytes, sized so that small limits (64/128) are crossed often.
/// </summary>
internal static class ProtocolGen
{
    // Pieces of Unicode that are letters, marks, symbols, spaces that are not SP, separators: all valid in a token.
    private static readonly string[] UnicodePieces =
    [
        "é", "ç", "ã", "João", "漢", "字", "👍🏽", "😀", "Ω", "ß", "ǅ", "א", "ﬁ", "e\u0301", "\u00A0", "\u2028", "\u200D",
        "Conceição", "大卫",
    ];

    private static readonly string[] SpecialTokens =
        ["#lobby", "#漢字", "*", "-", "0", "5", "128", "-1", "+5", "a:b", "tcpchat/1", "max_line=64", "bob", "alice"];

    /// <summary>Printable ASCII but SP; <c>:</c> only where it does not start the token.</summary>
    private static readonly Gen<string> AsciiChar = Gen.Choose(0x21, 0x7E).Select(c => ((char)c).ToString());

    private static readonly Gen<string> TokenPiece = Gen.Frequency((3, AsciiChar), (2, Gen.Elements(UnicodePieces)));

    /// <summary><c>arg = arg-char-1 *arg-char</c> (docs/PROTOCOL.md, "Framing"): a token the writer accepts.</summary>
    public static readonly Gen<string> Token = Gen.Frequency(
        (4, from first in TokenPiece.Select(p => p[0] == ':' ? ";" : p)
            from count in Gen.Frequency((6, Gen.Choose(0, 8)), (1, Gen.Choose(9, 30)))
            from rest in TokenPiece.ArrayOf(count)
            select first + string.Concat(rest)),
        (1, Gen.Elements(SpecialTokens)));

    /// <summary>Any Unicode scalar value, weighted toward ASCII, line ends and control characters.</summary>
    private static readonly Gen<Rune> AnyRune = Gen.Frequency(
        (6, Gen.Choose(0x20, 0x7E)),
        (3, Gen.Elements(0x0A, 0x0D, 0x09, 0x00, 0x1B, 0x7F)),
        (1, Gen.Choose(0x80, 0x7FF)),
        (1, Gen.Choose(0x800, 0xD7FF)),
        (1, Gen.Choose(0xE000, 0xFFFD)),
        (1, Gen.Choose(0x10000, 0x10FFFF))).Select(v => new Rune(v));

    /// <summary>Text of any valid UTF-8, empty and multi-line included.</summary>
    public static readonly Gen<byte[]> Text = Gen.Frequency(
        (6, from count in Gen.Choose(0, 100)
            from runes in AnyRune.ArrayOf(count)
            select Encoding.UTF8.GetBytes(string.Concat(runes.Select(r => r.ToString())))),
        (1, Gen.Elements("", "\n", "\r\n", "João 漢字 👍🏽", "hello\nworld", ":colon", "5", " ").Select(Encoding.UTF8.GetBytes)));

    /// <summary>The verbs of <paramref name="grammar"/>.</summary>
    public static Verb[] VerbsOf(Grammar grammar) =>
        Enum.GetValues<Verb>().Where(v => grammar.ShapeOf(v) is not null).ToArray();

    /// <summary>A frame <see cref="FrameWriter"/> can write: a verb of the grammar with the arguments and text its shape asks for.</summary>
    public static Gen<WrittenFrame> Frame(Grammar grammar) =>
        from verb in Gen.Elements(VerbsOf(grammar))
        let shape = grammar.ShapeOf(verb)!.Value
        from count in Gen.Choose(shape.MinArgs, Math.Min(shape.MaxArgs, shape.MinArgs + 3))
        from args in Token.ArrayOf(count)
        from text in shape.Text switch
        {
            TextRule.None => Gen.Constant<byte[]?>(null),
            TextRule.Required => Text.Select(t => (byte[]?)t),
            _ => Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (2, Text.Select(t => (byte[]?)t))),
        }
        select new WrittenFrame(verb, args, text);

    /// <summary>Cut points inside <paramref name="length"/> bytes: none, a few, many, or one byte per segment.</summary>
    public static Gen<int[]> Cuts(int length) =>
        length < 2
            ? Gen.Constant(Array.Empty<int>())
            : Gen.Frequency(
                (1, Gen.Constant(Array.Empty<int>())),
                (6, from count in Gen.Choose(1, Math.Min(length - 1, 40))
                    from cuts in Gen.Choose(1, length - 1).ArrayOf(count)
                    select cuts.Distinct().Order().ToArray()),
                (1, Gen.Constant(Enumerable.Range(1, length - 1).ToArray())));

    private static readonly string[] VerbWords =
        [.. Enum.GetValues<Verb>().Skip(1).Select(v => v.ToWire()), "FOO", "HELP", "X", "SENDX", "PRIVMSG", "GET", "é"];

    private static readonly Gen<byte[]> Word =
        from word in Gen.Elements(VerbWords)
        from lower in Gen.Elements(false, true)
        select Encoding.UTF8.GetBytes(lower ? word.ToLowerInvariant() : word);

    private static readonly Gen<byte[]> Punctuation = Gen.Elements(
        " ", "  ", ":", " :", "\n", "\n", "\r\n", "\r", "#lobby", "#a", "bob", "João", "*", "\t").Select(Encoding.UTF8.GetBytes);

    /// <summary>Lengths around the small limits, signed ones and ones of more than 10 digits.</summary>
    private static readonly Gen<byte[]> Number = Gen.Elements(
        "0", "1", "2", "5", "11", "63", "64", "65", "127", "128", "129", "-1", "+5", "-0", "00005", "99999999999",
        "4294967296", "9223372036854775808", "0000000000000000005").Select(Encoding.UTF8.GetBytes);

    private static readonly Gen<byte[]> Odd = Gen.Elements(
        [0xC3], [0xFF], [0x80], [0xC2, 0x85], [0x1B], [0x00], [0x7F], [0xE6, 0xBC], [0xF0, 0x9F, 0x91], [0xED, 0xA0, 0x80],
        "é"u8.ToArray(), "漢字"u8.ToArray(), "👍🏽"u8.ToArray());

    private static readonly Gen<byte[]> RandomBytes =
        from count in Gen.Choose(0, 12)
        from bytes in Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(count)
        select bytes;

    /// <summary>A run of one byte around the small limits: a long line, a long payload, a long blank line.</summary>
    private static readonly Gen<byte[]> Run =
        from count in Gen.Choose(40, 200)
        from b in Gen.Elements((byte)'x', (byte)' ', (byte)'\n', (byte)'7')
        select Enumerable.Repeat(b, count).ToArray();

    /// <summary>
    /// A frame whose control line and text are both at or just under the limits, cut short anywhere: what makes a
    /// reader hold the most while it waits.
    /// </summary>
    private static Gen<byte[]> NearTheLimits(Grammar grammar, int maxLine, int maxPayload) =>
        from verb in Gen.Elements(VerbsOf(grammar).Where(v => grammar.ShapeOf(v)!.Value.Text != TextRule.None).ToArray())
        let shape = grammar.ShapeOf(verb)!.Value
        from line in Gen.Choose(maxLine - 6, maxLine)
        from textLength in Gen.Choose(maxPayload - 8, maxPayload)
        let fixedPart = verb.ToWire().Length + 1 + textLength.ToString(System.Globalization.CultureInfo.InvariantCulture).Length
        let argLength = Math.Max(1, (line - fixedPart - shape.MinArgs) / Math.Max(shape.MinArgs, 1))
        let args = Enumerable.Repeat(new string('a', argLength), shape.MinArgs).ToArray()
        let wire = new WrittenFrame(verb, args, Enumerable.Repeat((byte)'y', textLength).ToArray()).Wire()
        from keep in Gen.Choose(1, wire.Length)
        select wire[..keep];

    /// <summary>
    /// Any byte stream, leaning toward what the parser finds interesting: verbs, spaces, colons, line ends, numbers
    /// near the limits, broken UTF-8, long runs, frames of either direction, and frames at the limits cut short.
    /// </summary>
    public static Gen<byte[]> HostileBytes(Grammar grammar, int maxLine, int maxPayload) =>
        from count in Gen.Choose(0, 40)
        from pieces in Gen.Frequency(
            (4, Word), (5, Punctuation), (3, Number), (2, Odd), (2, RandomBytes), (1, Run),
            (3, Frame(grammar).Select(f => f.Wire())),
            (1, Frame(grammar == Grammar.ClientToServer ? Grammar.ServerToClient : Grammar.ClientToServer).Select(f => f.Wire())),
            (1, NearTheLimits(grammar, maxLine, maxPayload)),
            (1, ShortText)).ArrayOf(count)
        select pieces.SelectMany(p => p).ToArray();

    private static readonly Gen<byte[]> ShortText =
        from count in Gen.Choose(0, 10)
        from runes in AnyRune.ArrayOf(count)
        select Encoding.UTF8.GetBytes(string.Concat(runes.Select(r => r.ToString())));
}

/// <summary>One-line pictures of what a parser reports, compared across runs and shown in failures.</summary>
internal static class Outcomes
{
    public static string Frame(Verb verb, string[] args, byte[]? text) =>
        $"{verb.ToWire()} [{string.Join(", ", args.Select(a => Sequences.Show(a)))}]{(text is null ? "" : " " + Text(text))}";

    public static string Frame(in Frame frame) => Frame(frame.Verb, frame.Args, frame.HasText ? frame.Text.ToArray() : null);

    public static string Error(ProtocolError error) =>
        $"{(error.Fatal ? "fatal " : "")}ERR {error.Code.ToWire()} {error.Verb}";

    /// <summary>Valid UTF-8 as escaped text, anything else in hex: equal pictures mean equal bytes.</summary>
    public static string Text(byte[] text) =>
        System.Text.Unicode.Utf8.IsValid(text)
            ? $"\"{Sequences.Show(Encoding.UTF8.GetString(text).Replace("\\", "\\\\"))}\""
            : $"0x{Convert.ToHexString(text)}";

    public static string Bytes(byte[] bytes) => Text(bytes) + $" ({bytes.Length} bytes)";

    public static string Cuts(int[] cuts, int length) =>
        length > 2 && cuts.Length == length - 1 ? "every byte" : $"[{string.Join(",", cuts)}]";
}
