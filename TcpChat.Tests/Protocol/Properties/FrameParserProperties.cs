using FsCheck;
using FsCheck.Fluent;
using TcpChat.Protocol;
using Xunit.Abstractions;

namespace TcpChat.Tests.Protocol.Properties;

/// <summary>
/// Properties of the parser over generated input (FsCheck; seed and case count in <see cref="PropertyRuns"/>), with
/// small limits (max_line 64, max_payload 128) so that they are crossed often. Every input runs through
/// <see cref="SimulatedPipe"/>, the reader loop a connection runs, which also checks consumed/examined and the shape
/// of every frame handed out.
/// </summary>
public sealed class FrameParserProperties(ITestOutputHelper output)
{
    private const int MaxLine = 64;
    private const int MaxPayload = 128;

    /// <summary>
    /// What one connection may hold unconsumed while it waits for the rest of a frame: a control line of at most
    /// max_line bytes and its CR LF, then at most max_payload bytes of text and the CR of the LF that ends it.
    /// </summary>
    private const int MostHeld = MaxLine + 2 + MaxPayload + 1;

    private static Grammar GrammarOf(Direction direction) =>
        direction == Direction.ClientToServer ? Grammar.ClientToServer : Grammar.ServerToClient;

    private static FrameParser Parser(Direction direction) => new(GrammarOf(direction), MaxLine, MaxPayload);

    /// <summary>A byte stream and two ways of cutting it into reads.</summary>
    public sealed record SplitBytes(byte[] Bytes, int[] Cuts, int[] OtherCuts)
    {
        public override string ToString() =>
            $"{Outcomes.Bytes(Bytes)} cut at {Outcomes.Cuts(Cuts, Bytes.Length)} and at {Outcomes.Cuts(OtherCuts, Bytes.Length)}";
    }

    private static Arbitrary<SplitBytes> AnySplitBytes(Direction direction) =>
        (from bytes in ProtocolGen.HostileBytes(GrammarOf(direction), MaxLine, MaxPayload)
         from cuts in ProtocolGen.Cuts(bytes.Length)
         from otherCuts in ProtocolGen.Cuts(bytes.Length)
         select new SplitBytes(bytes, cuts, otherCuts)).ToArbitrary();

    [Theory]
    [InlineData(Direction.ClientToServer)]
    [InlineData(Direction.ServerToClient)]
    public void AnyBytesSplitAnywhereNeverThrowNorMakeTheReaderHoldMoreThanOneFrameWithinTheLimits(Direction direction)
    {
        var parser = Parser(direction);
        var grammar = GrammarOf(direction);
        long most = 0;
        int fatal = 0;
        Check.One(PropertyRuns.Config($"bounded parse, {direction}"), Prop.ForAll(AnySplitBytes(direction), input =>
        {
            var run = SimulatedPipe.Run(parser, grammar, input.Bytes, input.Cuts);
            Assert.True(run.MostBuffered <= MostHeld, $"held {run.MostBuffered} bytes unconsumed (at most {MostHeld}): {run}");
            Assert.True(run.Fatal || run.Leftover <= MostHeld, $"left {run.Leftover} bytes unconsumed: {run}");
            most = Math.Max(most, run.MostBuffered);
            if (run.Fatal) fatal++;
        }));
        output.WriteLine($"bounded parse, {direction}: most held {most} of {MostHeld} bytes, {fatal} fatal streams");
        // The generator must reach the limits, or the bound above proves little.
        Assert.True(most > MaxLine, $"the most held was {most} bytes: the inputs never came near the limits");
        Assert.True(fatal > PropertyRuns.Cases / 20, $"only {fatal} of {PropertyRuns.Cases} streams broke the framing");
    }

    [Theory]
    [InlineData(Direction.ClientToServer)]
    [InlineData(Direction.ServerToClient)]
    public void AnyBytesGiveTheSameFramesAndErrorsHoweverTheyAreSplit(Direction direction)
    {
        var parser = Parser(direction);
        var grammar = GrammarOf(direction);
        int frames = 0, errors = 0;
        Check.One(PropertyRuns.Config($"split-independent parse, {direction}"), Prop.ForAll(AnySplitBytes(direction), input =>
        {
            var whole = SimulatedPipe.Run(parser, grammar, input.Bytes, []);
            var cut = SimulatedPipe.Run(parser, grammar, input.Bytes, input.Cuts);
            var otherCut = SimulatedPipe.Run(parser, grammar, input.Bytes, input.OtherCuts);
            Assert.Equal(whole.Outcomes, cut.Outcomes);
            Assert.Equal(whole.Outcomes, otherCut.Outcomes);
            Assert.Equal(whole.Leftover, cut.Leftover);
            Assert.Equal(whole.Leftover, otherCut.Leftover);
            frames += whole.Outcomes.Count(o => !o.StartsWith("ERR") && !o.StartsWith("fatal"));
            errors += whole.Outcomes.Count(o => o.StartsWith("ERR"));
        }));
        output.WriteLine($"split-independent parse, {direction}: {frames} frames, {errors} errors");
        Assert.True(frames > PropertyRuns.Cases / 6 && errors > PropertyRuns.Cases,
            $"{frames} frames and {errors} errors in {PropertyRuns.Cases} streams: the inputs are too tame");
    }

    /// <summary>A few frames written back to back, and where the reads cut them.</summary>
    public sealed record WrittenStream(WrittenFrame[] Frames, int[] Cuts)
    {
        public byte[] Bytes { get; } = Frames.SelectMany(f => f.Wire()).ToArray();

        public override string ToString() =>
            $"[{string.Join(" | ", Frames.Select(f => f.Describe()))}] = {Outcomes.Bytes(Bytes)} cut at {Outcomes.Cuts(Cuts, Bytes.Length)}";
    }

    private static Arbitrary<WrittenStream> AnyWrittenStream(Direction direction) =>
        (from count in Gen.Choose(1, 4)
         from frames in ProtocolGen.Frame(GrammarOf(direction)).ArrayOf(count)
         let length = frames.Sum(f => f.Wire().Length)
         from cuts in ProtocolGen.Cuts(length)
         select new WrittenStream(frames, cuts)).ToArbitrary();

    /// <summary>
    /// What the parser must make of frames the writer wrote: each one back, verb, arguments and text byte for byte;
    /// the first that crosses a limit is refused with a fatal TOO_LONG (verb <c>*</c> for the control line, the
    /// frame's verb for the text), and nothing after it is read.
    /// </summary>
    private static List<string> Expected(WrittenFrame[] frames)
    {
        var expected = new List<string>();
        long offset = 0;
        foreach (var frame in frames)
        {
            if (frame.ControlLineLength > MaxLine)
            {
                expected.Add($"fatal ERR TOO_LONG {ProtocolError.NoVerb}");
                break;
            }
            if (frame.Text is { Length: > MaxPayload })
            {
                expected.Add($"fatal ERR TOO_LONG {frame.Verb.ToWire()}");
                break;
            }
            offset += frame.Wire().Length;
            expected.Add($"{frame.Describe()} @{offset}");
        }
        return expected;
    }

    [Theory]
    [InlineData(Direction.ClientToServer)]
    [InlineData(Direction.ServerToClient)]
    public void AnyValidFrameRoundTripsThroughWriterAndParserWholeOrSplit(Direction direction)
    {
        var parser = Parser(direction);
        var grammar = GrammarOf(direction);
        int parsed = 0, refused = 0;
        Check.One(PropertyRuns.Config($"round trip, {direction}"), Prop.ForAll(AnyWrittenStream(direction), stream =>
        {
            var expected = Expected(stream.Frames);
            byte[] bytes = stream.Bytes;
            Assert.Equal(expected, SimulatedPipe.Run(parser, grammar, bytes, []).Outcomes);
            Assert.Equal(expected, SimulatedPipe.Run(parser, grammar, bytes, stream.Cuts).Outcomes);
            Assert.Equal(expected, SimulatedPipe.Run(parser, grammar, bytes, [.. Enumerable.Range(1, Math.Max(bytes.Length - 1, 0))]).Outcomes);
            parsed += expected.Count(e => !e.StartsWith("fatal"));
            refused += expected.Count(e => e.StartsWith("fatal"));
        }));
        output.WriteLine($"round trip, {direction}: {parsed} frames parsed back, {refused} refused over the limits");
        Assert.True(parsed > PropertyRuns.Cases && refused > PropertyRuns.Cases / 10,
            $"{parsed} frames parsed back and {refused} refused over the limits: the generator misses one side");
    }
}
