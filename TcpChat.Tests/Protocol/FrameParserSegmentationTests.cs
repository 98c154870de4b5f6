using System.Buffers;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

/// <summary>
/// A property in the spirit of a fuzzer: whatever the bytes, good or bad, the parser must say the same thing about
/// them however they are cut into segments, and whether they arrive at once or a few at a time.
/// </summary>
public class FrameParserSegmentationTests
{
    private static readonly string[] Fragments =
    [
        "NICK bob\n", "nick João\r\n", "JOIN #lobby\n", "PART #lobby :bye\n", "SEND #lobby 5\nhello\n",
        "SEND bob 9\nline\nline\r\n", "SEND #a :漢字 👍🏽\n", "QUIT\n", "PING 5\n", "PONG\r\n", "NAMES #lobby\n",
        "\n", "\r\n", "\r", " ", ":", "SEND ", "#lobby ", "3", "\n", "abc", "X", "-5", "+5", "99999999999",
        "FOO bar\n", "SEND #lobby\n", "SEND #lobby word\n", "NICK :x\n", "\u001b", "\u0085", "é", "👍🏽",
        "SEND bo\u0001b 3\nabc\n", "bo\u0001b ",
    ];

    private static byte[] RandomInput(Random random)
    {
        var bytes = new List<byte>();
        int parts = random.Next(1, 12);
        for (int i = 0; i < parts; i++)
        {
            if (random.Next(10) == 0) bytes.Add((byte)random.Next(256));
            else bytes.AddRange(Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
        }
        return [.. bytes];
    }

    /// <summary>What the parser said, and the offset it left consumed at (null once the framing is lost).</summary>
    private sealed record Outcome(string What, long? At)
    {
        public override string ToString() => $"{What} @{At?.ToString() ?? "-"}";
    }

    /// <summary>Parses until the parser needs more data or gives up; offsets count from <paramref name="offset"/>.</summary>
    private static List<Outcome> ParseAll(FrameParser parser, ReadOnlySequence<byte> input, long offset = 0)
    {
        var outcomes = new List<Outcome>();
        while (true)
        {
            var status = parser.TryParse(input, out var consumed, out _, out var frame, out var error);
            long step = Sequences.OffsetOf(input, consumed);
            offset += step;
            outcomes.Add(status switch
            {
                ParseStatus.Frame => new(Parsers.Describe(frame), offset),
                ParseStatus.NeedMoreData => new("need more data", offset),
                ParseStatus.Error => new(Parsers.Describe(error), offset),
                _ => new(Parsers.Describe(error), null),
            });
            if (status is ParseStatus.NeedMoreData or ParseStatus.FatalError) return outcomes;
            Assert.True(step > 0, "a frame or an error must consume something");
            input = input.Slice(consumed);
        }
    }

    private static ReadOnlySequence<byte> RandomCuts(byte[] bytes, Random random)
    {
        var chunks = new List<byte[]>();
        for (int at = 0; at < bytes.Length;)
        {
            int n = Math.Min(random.Next(0, 6), bytes.Length - at); // empty segments too
            chunks.Add(bytes[at..(at + n)]);
            at += n;
        }
        return chunks.Count == 0 ? ReadOnlySequence<byte>.Empty : Sequences.Of([.. chunks]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void OutcomeDoesNotDependOnSegmentation(int seed)
    {
        var random = new Random(seed);
        var parser = new FrameParser(Grammar.ClientToServer, maxLine: 40, maxPayload: 20);
        for (int round = 0; round < 500; round++)
        {
            byte[] bytes = RandomInput(random);
            var expected = ParseAll(parser, Sequences.Whole(bytes));

            Assert.Equal(expected, ParseAll(parser, Sequences.OneBytePerSegment(bytes)));
            Assert.Equal(expected, ParseAll(parser, RandomCuts(bytes, random)));
            for (int at = 0; at <= bytes.Length; at++) Assert.Equal(expected, ParseAll(parser, Sequences.SplitAt(bytes, at)));
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void OutcomeDoesNotDependOnArrival(int seed)
    {
        // The bytes arriving a few at a time give the same frames and errors, in the same order, as all at once.
        var random = new Random(seed);
        var parser = new FrameParser(Grammar.ClientToServer, maxLine: 40, maxPayload: 20);
        for (int round = 0; round < 500; round++)
        {
            byte[] bytes = RandomInput(random);
            var expected = ParseAll(parser, Sequences.Whole(bytes));

            var outcomes = new List<Outcome>();
            long consumed = 0;
            for (int arrived = Math.Min(random.Next(0, 4), bytes.Length); ; arrived = Math.Min(arrived + random.Next(1, 4), bytes.Length))
            {
                var step = ParseAll(parser, Sequences.Whole(bytes[(int)consumed..arrived]), consumed);
                Outcome last = step[^1];
                bool done = last.At is null || arrived == bytes.Length;
                outcomes.AddRange(done ? step : step.SkipLast(1)); // "need more data" is only news at the very end
                if (done) break;
                consumed = last.At!.Value;
            }

            string where = Sequences.Show(Encoding.UTF8.GetString(bytes));
            Assert.True(expected.SequenceEqual(outcomes), $"{where}:\n{string.Join("\n", expected)}\n---\n{string.Join("\n", outcomes)}");
        }
    }
}
