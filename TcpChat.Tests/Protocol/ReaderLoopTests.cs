using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

/// <summary>
/// The parser as a connection uses it: bytes arrive in arbitrary chunks, the reader parses what it can and then
/// advances to (consumed, examined), keeping the unconsumed bytes for the next read.
/// </summary>
public class ReaderLoopTests
{
    /// <summary>
    /// A pipe reader loop in miniature. Each chunk fed is one segment, as a socket read would be; unconsumed bytes stay
    /// (in their segments) for the next read. It checks what a pipe relies on: a parse that needs more data has looked
    /// at everything (examined = end), and a frame or an error moves consumed forward.
    /// </summary>
    private sealed class ReaderLoop(FrameParser parser)
    {
        private readonly List<byte[]> _pending = [];

        public List<string> Frames { get; } = [];
        public List<ProtocolError> Errors { get; } = [];
        public ProtocolError? Fatal { get; private set; }
        public long Buffered => _pending.Sum(c => (long)c.Length);

        public void Feed(ReadOnlySpan<byte> chunk)
        {
            if (Fatal is not null) return; // the connection is gone
            _pending.Add(chunk.ToArray());
            var buffer = Sequences.Of([.. _pending]);
            var start = buffer;
            while (true)
            {
                var status = parser.TryParse(buffer, out var consumed, out var examined, out var frame, out var error);
                if (status == ParseStatus.NeedMoreData)
                {
                    Assert.True(Sequences.OffsetOf(buffer, examined) == buffer.Length, "NeedMoreData must examine the whole buffer");
                    buffer = buffer.Slice(consumed);
                    break;
                }
                if (status == ParseStatus.FatalError)
                {
                    Assert.True(error.Fatal, "FatalError comes with a fatal error");
                    Fatal = error;
                    return;
                }
                Assert.True(Sequences.OffsetOf(buffer, consumed) > 0, $"{status} must consume something");
                Assert.True(Sequences.OffsetOf(buffer, consumed) == Sequences.OffsetOf(buffer, examined), "a parsed frame is examined exactly to its end");
                if (status == ParseStatus.Frame) Frames.Add(Parsers.Describe(frame)); // copy out before advancing
                else
                {
                    Assert.False(error.Fatal, "Error comes with a non-fatal error");
                    Errors.Add(error);
                }
                buffer = buffer.Slice(consumed);
            }
            // AdvanceTo(consumed): keep only the bytes from consumed on.
            long dropped = start.Length - buffer.Length;
            var kept = new List<byte[]>();
            foreach (byte[] c in _pending)
            {
                if (dropped >= c.Length) { dropped -= c.Length; continue; }
                kept.Add(c[(int)dropped..]);
                dropped = 0;
            }
            _pending.Clear();
            _pending.AddRange(kept);
        }

        public void FeedInChunks(byte[] bytes, IEnumerable<int> sizes)
        {
            int at = 0;
            using var e = sizes.GetEnumerator();
            while (at < bytes.Length)
            {
                int size = e.MoveNext() ? e.Current : bytes.Length;
                int n = Math.Min(Math.Max(size, 1), bytes.Length - at);
                Feed(bytes.AsSpan(at, n));
                at += n;
            }
        }
    }

    public static TheoryData<Direction, string> Chunkings()
    {
        var data = new TheoryData<Direction, string>();
        foreach (Direction direction in Enum.GetValues<Direction>())
            foreach (string chunking in new[] { "1", "2", "3", "5", "8", "13", "64", "1000", "random:1", "random:2", "random:3", "all" })
                data.Add(direction, chunking);
        return data;
    }

    private static IEnumerable<int> Sizes(string chunking)
    {
        if (chunking == "all") return [int.MaxValue];
        if (chunking.StartsWith("random:"))
        {
            var random = new Random(int.Parse(chunking["random:".Length..]));
            return Enumerable.Range(0, 100_000).Select(_ => random.Next(1, 40));
        }
        return Enumerable.Repeat(int.Parse(chunking), 100_000);
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public void EveryFrameComesOutWhateverTheChunking(Direction direction, string chunking)
    {
        var (stream, expected) = FrameTables.Stream(direction);
        var loop = new ReaderLoop(Parsers.For(direction));

        loop.FeedInChunks(Sequences.Utf8(stream), Sizes(chunking));

        Assert.Null(loop.Fatal);
        Assert.Empty(loop.Errors);
        Assert.Equal(expected, loop.Frames);
        Assert.Equal(0, loop.Buffered);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public void NonFatalErrorsCostOnlyTheirFrame(int chunkSize)
    {
        string stream = "NICK bob\nFOO bar\nSEND #lobby hello\nJOIN #a #b\nNICK :x\nSEND bo\u0001b 11\nQUIT :pwned\n"
            + "SEND #lobby 5\nhello\nPING\n";
        var loop = new ReaderLoop(Parsers.Server());

        loop.FeedInChunks(Sequences.Utf8(stream), Enumerable.Repeat(chunkSize, 1000));

        Assert.Null(loop.Fatal);
        Assert.Equal(["NICK [bob]", "SEND [#lobby] \"hello\"", "PING []"], loop.Frames);
        Assert.Equal(["ERR UNKNOWN_VERB FOO", "ERR BAD_FRAME SEND", "ERR BAD_FRAME JOIN", "ERR BAD_FRAME NICK", "ERR BAD_FRAME SEND"],
            loop.Errors.Select(Parsers.Describe));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(100)]
    public void FatalErrorStopsTheConnection(int chunkSize)
    {
        string stream = "PING\nSEND #a 3\nabcX\nPING\n";
        var loop = new ReaderLoop(Parsers.Server());

        loop.FeedInChunks(Sequences.Utf8(stream), Enumerable.Repeat(chunkSize, 1000));

        Assert.Equal(["PING []"], loop.Frames);
        Assert.Equal("fatal ERR BAD_FRAME SEND", Parsers.Describe(loop.Fatal!.Value));
    }

    [Fact]
    public void NeedMoreDataLeavesConsumedAtTheFrameStart()
    {
        var parser = Parsers.Server();
        var input = Sequences.Of("PI"u8.ToArray(), "NG\nSEND #lobby 5\n"u8.ToArray(), "hel"u8.ToArray());

        Assert.Equal(ParseStatus.Frame, parser.TryParse(input, out var consumed, out _, out _, out _));
        Assert.Equal(5, Sequences.OffsetOf(input, consumed));

        var rest = input.Slice(consumed);
        Assert.Equal(ParseStatus.NeedMoreData, parser.TryParse(rest, out consumed, out var examined, out _, out _));
        Assert.Equal(0, Sequences.OffsetOf(rest, consumed)); // the SEND's control line is not consumed without its text
        Assert.Equal(rest.Length, Sequences.OffsetOf(rest, examined));

        var whole = Sequences.Of(rest.ToArray(), "lo\r"u8.ToArray());
        Assert.Equal(ParseStatus.NeedMoreData, parser.TryParse(whole, out consumed, out examined, out _, out _));
        Assert.Equal(0, Sequences.OffsetOf(whole, consumed)); // a CR after the text might still be followed by its LF
        Assert.Equal(whole.Length, Sequences.OffsetOf(whole, examined));
    }

    [Fact]
    public void BlankLinesBeforeAPartialFrameAreConsumed()
    {
        var input = Sequences.Whole("\n\r\n\nSEND #lobby 5\nhel"u8.ToArray());

        var status = Parsers.Server().TryParse(input, out var consumed, out var examined, out _, out _);

        Assert.Equal(ParseStatus.NeedMoreData, status);
        Assert.Equal(4, Sequences.OffsetOf(input, consumed));
        Assert.Equal(input.Length, Sequences.OffsetOf(input, examined));
    }

    [Fact]
    public void BufferNeverHoldsMoreThanOneFrame()
    {
        // Fed in small chunks, what stays buffered is never more than the frame being received.
        var loop = new ReaderLoop(Parsers.Server());
        string text = new('x', 3000);
        string frame = $"SEND #lobby {text.Length}\n{text}\n";
        byte[] bytes = Sequences.Utf8(frame + frame + "PING\n");
        long most = 0;

        for (int i = 0; i < bytes.Length; i += 97)
        {
            loop.Feed(bytes.AsSpan(i, Math.Min(97, bytes.Length - i)));
            most = Math.Max(most, loop.Buffered);
        }

        Assert.Equal(3, loop.Frames.Count);
        Assert.True(most < Encoding.UTF8.GetByteCount(frame), $"buffered {most} bytes");
        Assert.Equal(0, loop.Buffered);
    }

    public static TheoryData<Direction, int, int> PipeSetups()
    {
        var data = new TheoryData<Direction, int, int>();
        foreach (Direction direction in Enum.GetValues<Direction>())
        {
            data.Add(direction, 1, 16);
            data.Add(direction, 7, 16);
            data.Add(direction, 100, 64);
            data.Add(direction, 4096, 4096);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PipeSetups))]
    public async Task RealPipeReaderLoopGetsEveryFrame(Direction direction, int chunkSize, int segmentSize)
    {
        var (stream, expected) = FrameTables.Stream(direction);
        byte[] bytes = Sequences.Utf8(stream);
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: segmentSize, pauseWriterThreshold: 0, useSynchronizationContext: false));

        async Task WriteAsync()
        {
            for (int at = 0; at < bytes.Length; at += chunkSize)
            {
                await pipe.Writer.WriteAsync(bytes.AsMemory(at, Math.Min(chunkSize, bytes.Length - at)));
            }
            await pipe.Writer.CompleteAsync();
        }

        async Task<(List<string> Frames, long Leftover)> ReadAsync()
        {
            var parser = Parsers.For(direction);
            var frames = new List<string>();
            while (true)
            {
                ReadResult result = await pipe.Reader.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed, examined;
                while (true)
                {
                    var status = parser.TryParse(buffer, out consumed, out examined, out var frame, out var error);
                    if (status == ParseStatus.Frame) frames.Add(Parsers.Describe(frame));
                    else if (status != ParseStatus.NeedMoreData) throw new InvalidOperationException(Parsers.Describe(error));
                    else break;
                    buffer = buffer.Slice(consumed);
                }
                long leftover = buffer.Slice(consumed).Length;
                pipe.Reader.AdvanceTo(consumed, examined);
                if (result.IsCompleted)
                {
                    await pipe.Reader.CompleteAsync();
                    return (frames, leftover);
                }
            }
        }

        var reading = ReadAsync();
        await WriteAsync();
        var (frames, leftover) = await reading.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(expected, frames);
        Assert.Equal(0, leftover);
    }
}
