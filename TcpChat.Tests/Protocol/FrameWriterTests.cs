using System.Buffers;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

public class FrameWriterTests
{
    private static string Written(Action<IBufferWriter<byte>> write) => Encoding.UTF8.GetString(FrameWriter.Encode(write));

    [Fact]
    public void WritesVerbsInCapitals()
    {
        Assert.Equal("PING\n", Written(w => FrameWriter.Write(w, Verb.Ping)));
        Assert.Equal("JOIN #lobby bob\n", Written(w => FrameWriter.Write(w, Verb.Join, "#lobby", "bob")));
        Assert.Equal("NICK * João\n", Written(w => FrameWriter.Write(w, Verb.Nick, "*", "João")));
        Assert.Equal("HELLO tcpchat/1 srv max_line=4096\n",
            Written(w => FrameWriter.Write(w, Verb.Hello, ProtocolDefaults.Version, "srv", "max_line=4096")));
    }

    [Fact]
    public void WritesTextInTheLengthForm()
    {
        Assert.Equal("SEND #lobby 5\nhello\n", Written(w => FrameWriter.WriteWithText(w, Verb.Send, ["#lobby"], "hello")));
        Assert.Equal("BYE 0\n\n", Written(w => FrameWriter.WriteWithText(w, Verb.Bye, [], "")));
        Assert.Equal("SEND bob 8\n👍🏽\n", Written(w => FrameWriter.WriteWithText(w, Verb.Send, ["bob"], "👍🏽")));
        Assert.Equal("SEND #a 3\na\nb\n", Written(w => FrameWriter.WriteWithText(w, Verb.Send, ["#a"], "a\nb")));
    }

    [Fact]
    public void WritesErrors()
    {
        Assert.Equal("ERR NICK_IN_USE NICK 19\nnick João is taken\n",
            Written(w => FrameWriter.WriteError(w, ErrorCode.NickInUse, "NICK", "nick João is taken")));
        Assert.Equal("ERR UNKNOWN_VERB * 7\nno verb\n",
            Written(w => FrameWriter.WriteError(w, ErrorCode.UnknownVerb, ProtocolError.NoVerb, "no verb")));
    }

    [Fact]
    public void TextOverloadsWriteTheSameBytes()
    {
        string text = "João 漢字 👍🏽\r\n" + new string('x', 1000); // longer than the writer's stack buffer
        byte[] utf8 = Sequences.Utf8(text);
        byte[] fromString = FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Send, ["#a"], text));
        byte[] fromSpan = FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Send, ["#a"], utf8.AsSpan()));
        byte[] fromSequence = FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Send, ["#a"], Sequences.OneBytePerSegment(utf8)));

        Assert.Equal(fromString, fromSpan);
        Assert.Equal(fromString, fromSequence);
        Assert.Equal(Sequences.Utf8($"SEND #a {utf8.Length}\n{text}\n"), fromString);
    }

    public static TheoryData<string> Texts() =>
    [
        "",
        "hello",
        " ",
        ":colon first",
        "5",
        "\n",
        "\r\n",
        "line one\nline two",
        "crlf\r\ninside\r\n",
        "ends with CR\r",
        "tab\there",
        "João",
        "Joa\u0303o", // NFD: text is written as given, not normalized
        "漢字",
        "👍🏽",
        "👨‍👩‍👧 family",
        "SEND #lobby 3\nabc\n", // a frame inside a text is just text
        new string('x', 600),
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public void EveryFrameWithTextRoundTrips(string text)
    {
        (Direction Direction, Verb Verb, string[] Args)[] frames =
        [
            (Direction.ClientToServer, Verb.Send, ["#lobby"]),
            (Direction.ClientToServer, Verb.Send, ["João"]),
            (Direction.ClientToServer, Verb.Part, ["#lobby"]),
            (Direction.ClientToServer, Verb.Quit, []),
            (Direction.ServerToClient, Verb.Msg, ["#lobby", "bob", "42", "2026-11-21T10:00:00.123Z"]),
            (Direction.ServerToClient, Verb.Part, ["#lobby", "bob"]),
            (Direction.ServerToClient, Verb.Quit, ["bob"]),
            (Direction.ServerToClient, Verb.Names, ["#lobby"]),
            (Direction.ServerToClient, Verb.Err, ["BAD_TEXT", "SEND"]),
            (Direction.ServerToClient, Verb.Bye, []),
        ];
        foreach (var (direction, verb, args) in frames)
        {
            byte[] bytes = FrameWriter.Encode(w => FrameWriter.WriteWithText(w, verb, args, text));
            foreach (var (how, input) in Sequences.AllCuts(bytes))
            {
                FrameParserTests.AssertParses(Parsers.For(direction), input, bytes.Length, verb, args, text, how);
            }
        }
    }

    [Fact]
    public void EveryFrameOfBothTablesRoundTrips()
    {
        foreach (Direction direction in Enum.GetValues<Direction>())
        {
            foreach (ExpectedFrame frame in FrameTables.Of(direction))
            {
                byte[] bytes = FrameWriter.Encode(w =>
                {
                    if (frame.Text is null) FrameWriter.Write(w, frame.Verb, frame.Args);
                    else FrameWriter.WriteWithText(w, frame.Verb, frame.Args, frame.Text);
                });
                foreach (var (how, input) in Sequences.AllCuts(bytes))
                {
                    FrameParserTests.AssertParses(Parsers.For(direction), input, bytes.Length, frame.Verb, frame.Args, frame.Text, how);
                }
            }
        }
    }

    [Fact]
    public void ErrorsRoundTripForEveryCode()
    {
        foreach (ErrorCode code in Enum.GetValues<ErrorCode>())
        {
            byte[] bytes = FrameWriter.Encode(w => FrameWriter.WriteError(w, code, "JOIN", "why\nexactly"));
            var status = Parsers.Client().TryParse(Sequences.Whole(bytes), out _, out _, out var frame, out _);

            Assert.Equal(ParseStatus.Frame, status);
            Assert.Equal(Verb.Err, frame.Verb);
            Assert.True(ErrorCodes.TryParse(frame.Arg(0), out var parsed));
            Assert.Equal(code, parsed);
            Assert.Equal("JOIN", frame.Arg(1));
            Assert.Equal("why\nexactly", frame.TextAsString());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData(" ")]
    [InlineData(":x")]
    [InlineData(":")]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\tb")]
    [InlineData("nul\0")]
    [InlineData("esc\u001b")]
    [InlineData("del\u007f")]
    [InlineData("nel\u0085")]
    public void InvalidArgumentsThrow(string arg)
    {
        Assert.False(FrameWriter.IsValidArgument(arg));
        var buffer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => FrameWriter.Write(buffer, Verb.Join, arg));
        Assert.Throws<ArgumentException>(() => FrameWriter.Write(buffer, Verb.Nick, "*", arg));
        Assert.Throws<ArgumentException>(() => FrameWriter.WriteWithText(buffer, Verb.Send, [arg], "text"));
        Assert.Throws<ArgumentException>(() => FrameWriter.WriteError(buffer, ErrorCode.BadFrame, arg, "text"));
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("#lobby")]
    [InlineData("*")]
    [InlineData("a:b")]
    [InlineData("João")]
    [InlineData("漢字")]
    [InlineData("2026-11-21T10:00:00.123Z")]
    [InlineData("max_line=4096")]
    public void ValidArgumentsAreWrittenAsGiven(string arg)
    {
        Assert.True(FrameWriter.IsValidArgument(arg));
        Assert.Equal($"JOIN {arg}\n", Written(w => FrameWriter.Write(w, Verb.Join, arg)));
    }

    [Fact]
    public void UnknownVerbThrows()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => FrameWriter.Write(buffer, Verb.Unknown));
        Assert.Throws<ArgumentException>(() => FrameWriter.WriteWithText(buffer, Verb.Unknown, [], "x"));
    }

    [Fact]
    public void VerbsAndErrorCodesHaveWireNames()
    {
        foreach (Verb verb in Enum.GetValues<Verb>().Where(v => v != Verb.Unknown))
        {
            string wire = verb.ToWire();
            Assert.Equal(wire.ToUpperInvariant(), wire);
            Assert.Equal(verb, Verbs.Lookup(Encoding.ASCII.GetBytes(wire)));
            Assert.Equal(verb, Verbs.Lookup(Encoding.ASCII.GetBytes(wire.ToLowerInvariant())));
        }
        foreach (ErrorCode code in Enum.GetValues<ErrorCode>())
        {
            Assert.True(ErrorCodes.TryParse(code.ToWire(), out var parsed));
            Assert.Equal(code, parsed);
        }
        Assert.Equal(Verb.Unknown, Verbs.Lookup(""u8));
        Assert.Equal(Verb.Unknown, Verbs.Lookup("NICKS"u8));
        Assert.Equal(Verb.Unknown, Verbs.Lookup("N1CK"u8));
        Assert.False(ErrorCodes.TryParse("bad_frame", out _));
    }
}
