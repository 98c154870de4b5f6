using System.Buffers;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

/// <summary>
/// Every frame of both verb tables, in every wire form, must parse the same however the bytes are cut into segments,
/// and the parser must consume exactly that frame: not a byte less, not a byte more.
/// </summary>
public class FrameParserTests
{
    public static TheoryData<Direction, string, Verb, string[], string?> AllFrames() => FrameTables.AllWireForms();

    [Theory]
    [MemberData(nameof(AllFrames))]
    public void EveryFrameParsesWhole(Direction direction, string wire, Verb verb, string[] args, string? text)
    {
        byte[] bytes = Sequences.Utf8(wire);
        AssertParses(Parsers.For(direction), Sequences.Whole(bytes), bytes.Length, verb, args, text, "whole");
    }

    [Theory]
    [MemberData(nameof(AllFrames))]
    public void EveryFrameParsesWhenSplitAtAnyByte(Direction direction, string wire, Verb verb, string[] args, string? text)
    {
        byte[] bytes = Sequences.Utf8(wire);
        var parser = Parsers.For(direction);
        for (int at = 0; at <= bytes.Length; at++)
            AssertParses(parser, Sequences.SplitAt(bytes, at), bytes.Length, verb, args, text, $"split at {at}");
    }

    [Theory]
    [MemberData(nameof(AllFrames))]
    public void EveryFrameParsesFedOneBytePerSegment(Direction direction, string wire, Verb verb, string[] args, string? text)
    {
        byte[] bytes = Sequences.Utf8(wire);
        AssertParses(Parsers.For(direction), Sequences.OneBytePerSegment(bytes), bytes.Length, verb, args, text, "one byte per segment");
    }

    [Theory]
    [MemberData(nameof(AllFrames))]
    public void PartialFrameWaitsForMoreData(Direction direction, string wire, Verb verb, string[] args, string? text)
    {
        _ = (verb, args, text);
        byte[] bytes = Sequences.Utf8(wire);
        var parser = Parsers.For(direction);
        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            foreach (var (how, input) in new[] { ("whole", Sequences.Whole(prefix)), ("one byte per segment", Sequences.OneBytePerSegment(prefix)) })
            {
                var status = parser.TryParse(input, out var consumed, out var examined, out _, out var error);
                string where = $"{Sequences.Show(Encoding.UTF8.GetString(prefix))} ({how})";
                Assert.True(status == ParseStatus.NeedMoreData, $"{where}: {status} {Parsers.Describe(error)}");
                Assert.True(Sequences.OffsetOf(input, consumed) == 0, $"{where}: consumed must stay at the frame start");
                Assert.True(Sequences.OffsetOf(input, examined) == input.Length, $"{where}: examined must be the end of the input");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllFrames))]
    public void BackToBackFramesParseFromTheRemainder(Direction direction, string wire, Verb verb, string[] args, string? text)
    {
        // The frame followed by a different frame, and by itself: the second parses from what the first left.
        var parser = Parsers.For(direction);
        foreach (string second in new[] { "PING tok\r\n", wire })
        {
            byte[] first = Sequences.Utf8(wire);
            byte[] bytes = Sequences.Utf8(wire + second);
            var (secondVerb, secondArgs, secondText) = second == wire ? (verb, args, text) : (Verb.Ping, new[] { "tok" }, null);
            foreach (var (how, input) in Sequences.AllCuts(bytes))
            {
                var consumed = AssertParses(parser, input, first.Length, verb, args, text, how);
                var rest = input.Slice(consumed);
                AssertParses(parser, rest, rest.Length, secondVerb, secondArgs, secondText, how + ", second frame");
            }
        }
    }

    [Fact]
    public void PingWithANumberIsATokenNotALength()
    {
        byte[] bytes = "PING 5\nPONG 5\n"u8.ToArray();
        var input = Sequences.Whole(bytes);

        var consumed = AssertParses(Parsers.Server(), input, 7, Verb.Ping, ["5"], null, "PING 5");
        AssertParses(Parsers.Server(), input.Slice(consumed), 7, Verb.Pong, ["5"], null, "PONG 5");
    }

    [Fact]
    public void LengthFormTextIsTakenByLengthNotByLines()
    {
        // The text holds LFs, CRLFs and something that looks like a frame: the length alone says where it ends.
        string text = "SEND #x 3\nabc\r\nPING\n";
        byte[] bytes = Sequences.Utf8($"SEND #lobby {Encoding.UTF8.GetByteCount(text)}\n{text}\nPING\n");

        foreach (var (how, input) in Sequences.AllCuts(bytes))
        {
            var consumed = AssertParses(Parsers.Server(), input, bytes.Length - 5, Verb.Send, ["#lobby"], text, how);
            AssertParses(Parsers.Server(), input.Slice(consumed), 5, Verb.Ping, [], null, how);
        }
    }

    [Fact]
    public void ParserDoesNotJudgeTextContent()
    {
        // Whether text is acceptable (UTF-8, no control characters) is TextRules' call, made by the server.
        byte[] bytes = [.. "SEND #a 4\n"u8, 0xFF, 0x1B, 0x00, (byte)'x', (byte)'\n'];
        var status = Parsers.Server().TryParse(Sequences.Whole(bytes), out _, out _, out var frame, out _);

        Assert.Equal(ParseStatus.Frame, status);
        Assert.Equal(new byte[] { 0xFF, 0x1B, 0x00, (byte)'x' }, frame.Text.ToArray());
        Assert.False(TextRules.IsValidText(frame.Text, out _));
    }

    [Fact]
    public void SpacesBetweenArgumentsAreCollapsed()
    {
        byte[] bytes = "  SEND   #lobby    :  two  spaces \n"u8.ToArray();
        AssertParses(Parsers.Server(), Sequences.Whole(bytes), bytes.Length, Verb.Send, ["#lobby"], "  two  spaces ", "whole");
    }

    [Fact]
    public void MixedCaseVerbsAreRecognized()
    {
        byte[] bytes = "NiCk bob\n"u8.ToArray();
        AssertParses(Parsers.Server(), Sequences.Whole(bytes), bytes.Length, Verb.Nick, ["bob"], null, "whole");
    }

    [Fact]
    public void EmptyInputWaitsForMoreData()
    {
        var status = Parsers.Server().TryParse(ReadOnlySequence<byte>.Empty, out var consumed, out var examined, out _, out _);
        Assert.Equal(ParseStatus.NeedMoreData, status);
        Assert.Equal(0, Sequences.OffsetOf(ReadOnlySequence<byte>.Empty, consumed));
        Assert.Equal(0, Sequences.OffsetOf(ReadOnlySequence<byte>.Empty, examined));
    }

    /// <summary>Parses one frame, checks it field by field and that consumed and examined are just past it.</summary>
    internal static SequencePosition AssertParses(
        FrameParser parser, in ReadOnlySequence<byte> input, long frameLength,
        Verb verb, string[] args, string? text, string how)
    {
        var status = parser.TryParse(input, out var consumed, out var examined, out var frame, out var error);
        string where = $"{Sequences.Show(Encoding.UTF8.GetString(input))} ({how})";

        Assert.True(status == ParseStatus.Frame, $"{where}: {status} {Parsers.Describe(error)} {error.Message}");
        Assert.True(verb == frame.Verb, $"{where}: verb {frame.Verb}, expected {verb}");
        Assert.True(args.SequenceEqual(frame.Args), $"{where}: args [{string.Join(", ", frame.Args)}], expected [{string.Join(", ", args)}]");
        Assert.True((text is not null) == frame.HasText, $"{where}: HasText {frame.HasText}");
        if (text is not null)
        {
            Assert.True(Sequences.Utf8(text).AsSpan().SequenceEqual(frame.Text.ToArray()),
                $"{where}: text \"{Sequences.Show(frame.TextAsString())}\", expected \"{Sequences.Show(text)}\"");
        }
        else
        {
            Assert.True(frame.Text.IsEmpty, $"{where}: a frame without text has an empty Text");
        }
        Assert.True(frameLength == Sequences.OffsetOf(input, consumed), $"{where}: consumed at {Sequences.OffsetOf(input, consumed)}, expected {frameLength}");
        Assert.True(frameLength == Sequences.OffsetOf(input, examined), $"{where}: examined at {Sequences.OffsetOf(input, examined)}, expected {frameLength}");
        return consumed;
    }
}
