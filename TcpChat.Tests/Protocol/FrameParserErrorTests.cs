using System.Buffers;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

/// <summary>
/// Bad input, as the server reads it (client-to-server grammar, default limits). A non-fatal error costs exactly the
/// frame it is in, and the next frame parses; a fatal error means the framing is lost.
/// </summary>
public class FrameParserErrorTests
{
    private const int MaxLine = ProtocolDefaults.MaxLine;
    private const int MaxPayload = ProtocolDefaults.MaxPayload;

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] B(params object[] parts) =>
        parts.SelectMany(p => p switch
        {
            string s => Encoding.UTF8.GetBytes(s),
            byte b => [b],
            int i => [(byte)i],
            byte[] bytes => bytes,
            _ => throw new ArgumentException(p.GetType().Name),
        }).ToArray();

    /// <summary>(why, wire, code, verb in the ERR, fatal). Each wire is one whole bad frame, its last byte the one that tells.</summary>
    public static TheoryData<string, byte[], ErrorCode, string, bool> BadInputs() => new()
    {
        // Lengths
        { "negative length", B("SEND #lobby -5\n"), ErrorCode.BadFrame, "SEND", true },
        { "signed length", B("SEND #lobby +5\n"), ErrorCode.BadFrame, "SEND", true },
        { "negative zero", B("PART #lobby -0\n"), ErrorCode.BadFrame, "PART", true },
        { "huge length", B("SEND #lobby 99999999999\n"), ErrorCode.TooLong, "SEND", true },
        { "length just over max_payload", B($"SEND #lobby {MaxPayload + 1}\n"), ErrorCode.TooLong, "SEND", true },
        { "length with too many digits", B("SEND #lobby 00000000001\n"), ErrorCode.TooLong, "SEND", true },
        { "length over max_payload on QUIT", B($"quit {MaxPayload + 1}\n"), ErrorCode.TooLong, "QUIT", true },
        { "missing length", B("SEND #lobby\n"), ErrorCode.BadFrame, "SEND", false },
        { "word instead of length", B("SEND #lobby hello\n"), ErrorCode.BadFrame, "SEND", false },
        { "digits then letters", B("SEND #lobby 5x\n"), ErrorCode.BadFrame, "SEND", false },
        { "a lone minus is a word", B("SEND #lobby -\n"), ErrorCode.BadFrame, "SEND", false },
        { "non-ASCII digits are a word", B("SEND #lobby ٥\n"), ErrorCode.BadFrame, "SEND", false },
        { "QUIT with a word and no colon", B("QUIT bye\n"), ErrorCode.BadFrame, "QUIT", false },

        // After the payload
        { "extra byte after the payload", B("SEND #a 3\nabcX"), ErrorCode.BadFrame, "SEND", true },
        { "payload shorter than its length", B("SEND #a 5\nabc\nPI"), ErrorCode.BadFrame, "SEND", true },
        { "CR not followed by LF after the payload", B("SEND #a 3\nabc\rX"), ErrorCode.BadFrame, "SEND", true },
        { "two CRs after the payload", B("SEND #a 3\nabc\r\r"), ErrorCode.BadFrame, "SEND", true },
        { "space after the payload", B("SEND #a 0\n "), ErrorCode.BadFrame, "SEND", true },

        // Line length
        { "control line of max_line + 1 bytes", B("SEND #a :" + new string('x', MaxLine - 8) + "\n"), ErrorCode.TooLong, "*", true },
        { "control line of max_line + 2 bytes without LF", B(new string('x', MaxLine + 2)), ErrorCode.TooLong, "*", true },

        // Verbs
        { "unknown verb", B("FOO bar\n"), ErrorCode.UnknownVerb, "FOO", false },
        { "unknown verb in lowercase", B("foo\n"), ErrorCode.UnknownVerb, "FOO", false },
        { "verb longer than any verb", B("HELLOWORLD\n"), ErrorCode.UnknownVerb, "HELLOWORLD", false },
        { "server verb sent by a client", B("MSG #lobby bob 1 2026-11-21T10:00:00.000Z :hi\n"), ErrorCode.UnknownVerb, "MSG", false },
        { "HELLO sent by a client", B("hello tcpchat/1 x\n"), ErrorCode.UnknownVerb, "HELLO", false },
        { "binary junk", B(0x00, 0xFF, 0x13, 0x37, "\n"), ErrorCode.UnknownVerb, "*", false },
        { "TLS client hello", B(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, "\n"), ErrorCode.UnknownVerb, "*", false },
        { "non-ASCII verb", B("NÍCK bob\n"), ErrorCode.UnknownVerb, "*", false },
        { "tab instead of space after the verb", B("NICK\tbob\n"), ErrorCode.UnknownVerb, "*", false },
        { "colon as the verb", B(":bob\n"), ErrorCode.UnknownVerb, "*", false },

        // Argument counts
        { "NICK without a nick", B("NICK\n"), ErrorCode.BadFrame, "NICK", false },
        { "NICK with a nick, a password and more", B("NICK a b c\n"), ErrorCode.BadFrame, "NICK", false },
        { "JOIN without a room", B("JOIN\n"), ErrorCode.BadFrame, "JOIN", false },
        { "JOIN with two rooms", B("join #a #b\n"), ErrorCode.BadFrame, "JOIN", false },
        { "PART without a room", B("PART\n"), ErrorCode.BadFrame, "PART", false },
        { "PART with words and no colon", B("PART #a see you\n"), ErrorCode.BadFrame, "PART", false },
        { "SEND with nothing", B("SEND\n"), ErrorCode.BadFrame, "SEND", false },
        { "SEND with text but no target", B("SEND :hello\n"), ErrorCode.BadFrame, "SEND", false },
        { "SEND with two targets", B("SEND #a #b :hello\n"), ErrorCode.BadFrame, "SEND", false },
        { "SEND with words and no colon", B("SEND #a hello there\n"), ErrorCode.BadFrame, "SEND", false },
        { "NAMES without a room", B("NAMES\n"), ErrorCode.BadFrame, "NAMES", false },
        { "PING with two tokens", B("PING a b\n"), ErrorCode.BadFrame, "PING", false },
        { "PONG with two tokens", B("PONG a b\n"), ErrorCode.BadFrame, "PONG", false },
        { "QUIT with words and no colon", B("QUIT see you\n"), ErrorCode.BadFrame, "QUIT", false },

        // Inline text where none belongs
        { "inline text on NICK", B("NICK :bob\n"), ErrorCode.BadFrame, "NICK", false },
        { "inline text on JOIN", B("JOIN #a :hi\n"), ErrorCode.BadFrame, "JOIN", false },
        { "inline text on PING", B("PING :x\n"), ErrorCode.BadFrame, "PING", false },
        { "inline text on NAMES", B("NAMES #a :x\n"), ErrorCode.BadFrame, "NAMES", false },

        // Arguments must be valid UTF-8 without control characters
        { "invalid UTF-8 in an argument", B("NICK ", 0xFF, 0xFE, "\n"), ErrorCode.BadFrame, "NICK", false },
        { "truncated UTF-8 in an argument", B("NICK Jo", 0xC3, "\n"), ErrorCode.BadFrame, "NICK", false },
        { "overlong UTF-8 in an argument", B("JOIN #", 0xC0, 0xAF, "\n"), ErrorCode.BadFrame, "JOIN", false },
        { "UTF-16 surrogate in an argument", B("NICK ", 0xED, 0xA0, 0x80, "\n"), ErrorCode.BadFrame, "NICK", false },
        { "NUL in an argument", B("NICK bo", 0x00, "b\n"), ErrorCode.BadFrame, "NICK", false },
        { "ESC in an argument", B("JOIN #lo\u001b[31mbby\n"), ErrorCode.BadFrame, "JOIN", false },
        { "DEL in an argument", B("NICK bo\u007fb\n"), ErrorCode.BadFrame, "NICK", false },
        { "C1 control in an argument", B("NICK bob\u0085\n"), ErrorCode.BadFrame, "NICK", false },
        { "tab in an argument", B("SEND bo\tb :hi\n"), ErrorCode.BadFrame, "SEND", false },
        { "CR in an argument", B("NICK bob\r\r\n"), ErrorCode.BadFrame, "NICK", false },
        { "control character in a PING token", B("PING a\u0001\n"), ErrorCode.BadFrame, "PING", false },

        // A bad argument on a line that ends with a length: the text still follows and is skipped, never run as frames
        { "bad argument before a length", B("SEND bo\u0001b 5\nhello\n"), ErrorCode.BadFrame, "SEND", false },
        { "bad argument before a length, text that looks like a frame", B("SEND bo\u0001b 11\nQUIT :pwned\n"), ErrorCode.BadFrame, "SEND", false },
        { "invalid UTF-8 before a length, CRLF", B("SEND ", 0xFF, " 3\r\nabc\r\n"), ErrorCode.BadFrame, "SEND", false },
        { "bad argument before a length on PART", B("PART #lo\u007fbby 3\nbye\n"), ErrorCode.BadFrame, "PART", false },
        { "bad argument before an empty text", B("SEND bo\u0001b 0\n\n"), ErrorCode.BadFrame, "SEND", false },
        { "bad argument as the length itself", B("SEND #a 5\u0001\n"), ErrorCode.BadFrame, "SEND", false },
        { "bad argument with inline text", B("SEND bo\u0001b :5\n"), ErrorCode.BadFrame, "SEND", false },
        { "bad argument before a huge length", B("SEND bo\u0001b 99999999999\n"), ErrorCode.TooLong, "SEND", true },
        { "bad argument before a signed length", B("SEND bo\u0001b -1\n"), ErrorCode.BadFrame, "SEND", true },
        { "bad argument, then extra byte after the text", B("SEND bo\u0001b 3\nabcX"), ErrorCode.BadFrame, "SEND", true },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsReportedWithItsCodeVerbAndFatality(string why, byte[] wire, ErrorCode code, string verb, bool fatal)
    {
        foreach (var (how, input) in new[] { ("whole", Sequences.Whole(wire)), ("one byte per segment", Sequences.OneBytePerSegment(wire)) })
        {
            var status = Parsers.Server().TryParse(input, out _, out _, out _, out var error);

            Assert.True(status == (fatal ? ParseStatus.FatalError : ParseStatus.Error), $"{why} ({how}): {status}");
            Assert.Equal(code, error.Code);
            Assert.Equal(verb, error.Verb);
            Assert.Equal(fatal, error.Fatal);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }

    /// <summary>
    /// The bad frame is followed by a good one, cut every way. A non-fatal error costs exactly its frame and the next
    /// frame parses. A fatal error is reported the same way whatever follows, the bad frame is consumed whole (never
    /// reported twice), and nothing after it is ever handed out as a frame: the framing is lost and the session ends.
    /// </summary>
    [Theory]
    [MemberData(nameof(BadInputs))]
    public void ErrorCostsItsFrameOrEndsTheStream(string why, byte[] wire, ErrorCode code, string verb, bool fatal)
    {
        byte[] bytes = [.. wire, .. "PING\n"u8];
        foreach (var (how, input) in Sequences.AllCuts(bytes))
        {
            var status = Parsers.Server().TryParse(input, out var consumed, out var examined, out _, out var error);

            Assert.True(status == (fatal ? ParseStatus.FatalError : ParseStatus.Error), $"{why} ({how}): {status}");
            Assert.True(code == error.Code && verb == error.Verb && fatal == error.Fatal, $"{why} ({how}): {Parsers.Describe(error)}");
            long consumedAt = Sequences.OffsetOf(input, consumed), examinedAt = Sequences.OffsetOf(input, examined);
            if (fatal)
            {
                Assert.True(consumedAt >= wire.Length, $"{why} ({how}): consumed at {consumedAt}, inside the bad frame");
                Assert.True(examinedAt >= consumedAt, $"{why} ({how}): examined at {examinedAt}, before consumed");
                continue;
            }
            Assert.True(wire.Length == consumedAt, $"{why} ({how}): consumed at {consumedAt}");
            Assert.True(wire.Length == examinedAt, $"{why} ({how}): examined at {examinedAt}");
            FrameParserTests.AssertParses(Parsers.Server(), input.Slice(consumed), 5, Verb.Ping, [], null, $"{why} ({how}), next frame");
        }
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsNotReportedBeforeItsLastByte(string why, byte[] wire, ErrorCode code, string verb, bool fatal)
    {
        _ = (code, verb, fatal);
        var parser = Parsers.Server();
        for (int length = 0; length < wire.Length; length++)
        {
            var status = parser.TryParse(Sequences.Whole(wire[..length]), out _, out _, out _, out _);
            Assert.True(status == ParseStatus.NeedMoreData, $"{why}: {status} after {length} bytes");
        }
    }

    [Theory]
    [InlineData(MaxLine + 1, ParseStatus.NeedMoreData)] // may be max_line bytes and a CR: wait for the LF
    [InlineData(MaxLine + 2, ParseStatus.FatalError)]
    [InlineData(10 * MaxLine, ParseStatus.FatalError)]
    public void LineLongerThanMaxLineIsFatalBeforeItsLfArrives(int arrived, ParseStatus expected)
    {
        byte[] bytes = B("SEND #lobby :" + new string('x', arrived - 13));
        foreach (var (how, input) in new[] { ("whole", Sequences.Whole(bytes)), ("split", Sequences.SplitAt(bytes, 1000)) })
        {
            var status = Parsers.Server().TryParse(input, out var consumed, out _, out _, out var error);

            Assert.True(expected == status, $"{how}: {status}");
            if (expected == ParseStatus.FatalError)
            {
                Assert.Equal(new ProtocolError(ErrorCode.TooLong, "*", error.Message, Fatal: true), error);
            }
            else
            {
                Assert.Equal(0, Sequences.OffsetOf(input, consumed));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(512)]
    public void LineArrivingInPiecesIsFatalAsSoonAsItPassesMaxLinePlusOne(int pieceSize)
    {
        var parser = Parsers.Server();
        byte[] line = B("SEND #lobby :" + new string('x', 2 * MaxLine));
        int fatalAt = -1;
        var first = new Segment(line.AsMemory(0, pieceSize), 0);
        var last = first;
        for (int arrived = pieceSize; fatalAt < 0 && arrived <= line.Length; arrived += pieceSize)
        {
            // what the reader holds: every piece so far, each one a segment
            if (arrived > pieceSize) last = last.Append(line.AsMemory(arrived - pieceSize, pieceSize));
            var input = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
            if (parser.TryParse(input, out _, out _, out _, out var error) == ParseStatus.FatalError)
            {
                Assert.Equal(ErrorCode.TooLong, error.Code);
                fatalAt = arrived;
            }
        }

        Assert.True(fatalAt > MaxLine + 1 && fatalAt <= MaxLine + 1 + pieceSize, $"fatal after {fatalAt} bytes");
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void LineOfExactlyMaxLineBytesIsAccepted(string lineEnd)
    {
        string text = new('x', MaxLine - "SEND #lobby :".Length);
        byte[] bytes = B("SEND #lobby :" + text + lineEnd);
        var parser = Parsers.Server();

        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(ParseStatus.NeedMoreData, parser.TryParse(Sequences.Whole(bytes[..length]), out _, out _, out _, out _));
        }
        foreach (var (how, input) in new[] { ("whole", Sequences.Whole(bytes)), ("one byte per segment", Sequences.OneBytePerSegment(bytes)) })
        {
            FrameParserTests.AssertParses(parser, input, bytes.Length, Verb.Send, ["#lobby"], text, how);
        }
    }

    [Fact]
    public void LineOfMaxLinePlusOneBytesIsFatalWhenItsLfArrives()
    {
        byte[] bytes = B("NICK " + new string('x', MaxLine - 4) + "\r\n");
        Assert.Equal(MaxLine + 3, bytes.Length);

        Assert.Equal(ParseStatus.NeedMoreData, Parsers.Server().TryParse(Sequences.Whole(bytes[..^2]), out _, out _, out _, out _));
        Assert.Equal(ParseStatus.FatalError, Parsers.Server().TryParse(Sequences.Whole(bytes), out _, out _, out _, out var error));
        Assert.Equal(ErrorCode.TooLong, error.Code);
    }

    [Fact]
    public void MaxLineIsTheParsersOwn()
    {
        var parser = new FrameParser(Grammar.ClientToServer, maxLine: 16, maxPayload: 100);
        Assert.Equal(ParseStatus.Frame, parser.TryParse(Sequences.Whole(B("NICK 12345678901\n")), out _, out _, out _, out _));
        Assert.Equal(ParseStatus.FatalError, parser.TryParse(Sequences.Whole(B("NICK 123456789012\n")), out _, out _, out _, out _));
        Assert.Equal(ParseStatus.FatalError, parser.TryParse(Sequences.Whole(B("NICK 1234567890123")), out _, out _, out _, out _));

        parser.MaxLine = 17; // raised after HELLO, say
        Assert.Equal(ParseStatus.Frame, parser.TryParse(Sequences.Whole(B("NICK 123456789012\n")), out _, out _, out _, out _));
    }

    [Fact]
    public void OversizedLengthIsRejectedBeforeAllocation()
    {
        // The control line alone is enough: no waiting for (and no buffering of) a payload that cannot be accepted.
        foreach (string line in new[] { $"SEND #lobby {MaxPayload + 1}\n", "SEND #lobby 99999999999\n", "SEND #lobby 9999999999\n", $"QUIT {int.MaxValue}\r\n" })
        {
            var status = Parsers.Server().TryParse(Sequences.Whole(B(line)), out _, out _, out _, out var error);
            Assert.True(status == ParseStatus.FatalError, $"{Sequences.Show(line)}: {status}");
            Assert.Equal(ErrorCode.TooLong, error.Code);
            Assert.True(error.Fatal);
        }
    }

    [Fact]
    public void LengthOfExactlyMaxPayloadIsAccepted()
    {
        const string unit = "漢字 João 👍🏽\n";
        int units = MaxPayload / Encoding.UTF8.GetByteCount(unit);
        string text = string.Concat(Enumerable.Repeat(unit, units));
        text += new string('x', MaxPayload - Encoding.UTF8.GetByteCount(text));
        Assert.Equal(MaxPayload, Encoding.UTF8.GetByteCount(text));
        byte[] bytes = B($"SEND #lobby {MaxPayload}\r\n{text}\r\n");
        var parser = Parsers.Server();

        Assert.Equal(ParseStatus.NeedMoreData, parser.TryParse(Sequences.Whole(bytes[..^1]), out _, out _, out _, out _));
        FrameParserTests.AssertParses(parser, Sequences.Whole(bytes), bytes.Length, Verb.Send, ["#lobby"], text, "whole");
        FrameParserTests.AssertParses(parser, Sequences.SplitAt(bytes, bytes.Length / 2), bytes.Length, Verb.Send, ["#lobby"], text, "split");
        FrameParserTests.AssertParses(parser, Sequences.Of(bytes.Chunk(4096).ToArray()), bytes.Length, Verb.Send, ["#lobby"], text, "4 KiB segments");
    }

    [Fact]
    public void MaxPayloadIsTheParsersOwn()
    {
        var parser = new FrameParser(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);
        byte[] big = B($"NAMES #lobby {ProtocolDefaults.ClientMaxPayload}\n");
        byte[] tooBig = B($"NAMES #lobby {ProtocolDefaults.ClientMaxPayload + 1}\n");

        Assert.Equal(ParseStatus.NeedMoreData, parser.TryParse(Sequences.Whole(big), out _, out _, out _, out _));
        Assert.Equal(ParseStatus.FatalError, parser.TryParse(Sequences.Whole(tooBig), out _, out _, out _, out _));

        parser.MaxPayload = 10;
        Assert.Equal(ParseStatus.FatalError, parser.TryParse(Sequences.Whole(B("BYE 11\n")), out _, out _, out _, out _));
        Assert.Equal(ParseStatus.NeedMoreData, parser.TryParse(Sequences.Whole(B("BYE 10\n")), out _, out _, out _, out _));
    }

    [Fact]
    public void LengthMayHaveLeadingZeros()
    {
        byte[] bytes = B("SEND #lobby 0000000005\nhello\n");
        FrameParserTests.AssertParses(Parsers.Server(), Sequences.Whole(bytes), bytes.Length, Verb.Send, ["#lobby"], "hello", "whole");
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\n\n\r\n\n")]
    [InlineData("   \n")]
    [InlineData(" \r\n")]
    public void BlankLinesAreSkipped(string blanks)
    {
        byte[] bytes = B(blanks + "PING\n" + blanks);
        foreach (var (how, input) in Sequences.AllCuts(bytes))
        {
            var consumed = FrameParserTests.AssertParses(Parsers.Server(), input, blanks.Length + 5, Verb.Ping, [], null, how);

            var rest = input.Slice(consumed);
            Assert.Equal(ParseStatus.NeedMoreData, Parsers.Server().TryParse(rest, out consumed, out _, out _, out _));
            Assert.Equal(rest.Length, Sequences.OffsetOf(rest, consumed)); // blank lines alone are consumed
        }
    }

    [Fact]
    public void BlankLinesDoNotCountTowardMaxLine()
    {
        byte[] bytes = B(new string('\n', 3 * MaxLine) + "PING\n");
        FrameParserTests.AssertParses(Parsers.Server(), Sequences.Whole(bytes), bytes.Length, Verb.Ping, [], null, "whole");
    }

    [Fact]
    public void LoneCrWaitsForItsLf()
    {
        var input = Sequences.Whole(B("\r"));
        Assert.Equal(ParseStatus.NeedMoreData, Parsers.Server().TryParse(input, out var consumed, out _, out _, out _));
        Assert.Equal(0, Sequences.OffsetOf(input, consumed));
    }

    [Fact]
    public void ClientRejectsClientVerbsFromTheServer()
    {
        var status = Parsers.Client().TryParse(Sequences.Whole(B("SEND #lobby :hi\n")), out _, out _, out _, out var error);
        Assert.Equal(ParseStatus.Error, status);
        Assert.Equal(new ProtocolError(ErrorCode.UnknownVerb, "SEND", error.Message, Fatal: false), error);
    }

    [Theory]
    [InlineData("MSG #lobby bob 1 :hi\n", "MSG")]
    [InlineData("ERR BAD_FRAME :oops\n", "ERR")]
    [InlineData("HELLO tcpchat/1\n", "HELLO")]
    [InlineData("NICK bob\n", "NICK")]
    [InlineData("JOIN #lobby\n", "JOIN")]
    [InlineData("BYE\n", "BYE")]
    [InlineData("NAMES #lobby\n", "NAMES")]
    public void ClientRejectsServerFramesWithWrongArgumentCounts(string wire, string verb)
    {
        var status = Parsers.Client().TryParse(Sequences.Whole(B(wire)), out _, out _, out _, out var error);
        Assert.Equal(ParseStatus.Error, status);
        Assert.Equal(new ProtocolError(ErrorCode.BadFrame, verb, error.Message, Fatal: false), error);
    }
}
