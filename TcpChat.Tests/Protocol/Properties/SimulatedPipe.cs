using System.Buffers;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol.Properties;

/// <summary>What a connection's reader loop saw of one byte stream.</summary>
/// <param name="Outcomes">Frames and errors in order, each with the stream offset consumed was moved to; a fatal
/// error last (without offset: the framing is gone).</param>
/// <param name="MostBuffered">The most bytes left unconsumed at a <see cref="ParseStatus.NeedMoreData"/>: what the
/// pipe had to keep.</param>
/// <param name="Leftover">Bytes still unconsumed when the stream ended; 0 after a fatal error.</param>
internal sealed record PipeRun(IReadOnlyList<string> Outcomes, long MostBuffered, long Leftover, bool Fatal)
{
    public override string ToString() =>
        $"{string.Join(" | ", Outcomes)} (most buffered {MostBuffered}, leftover {Leftover})";
}

/// <summary>
/// A pipe reader loop in miniature, as the reader loop of <c>Session.RunAsync</c> runs it: each chunk is one read, appended as its own
/// segment to the bytes still unconsumed; the parser is called until it needs more data; then
/// <c>AdvanceTo(consumed, examined)</c> drops what was consumed. A fatal error ends the stream. Along the way it checks
/// what a pipe relies on: NeedMoreData examines everything, a frame or an error consumes something and is examined
/// exactly to its end, and errors say whether they are fatal in agreement with the status.
/// </summary>
internal static class SimulatedPipe
{
    public static PipeRun Run(FrameParser parser, Grammar grammar, byte[] bytes, IReadOnlyList<int> cuts)
    {
        var outcomes = new List<string>();
        var pending = new List<byte[]>(); // unconsumed bytes, one array per read, as a pipe's segments
        long pendingStart = 0; // stream offset of the first unconsumed byte
        long most = 0;
        int at = 0;
        foreach (int end in cuts.Append(bytes.Length))
        {
            if (end <= at) continue;
            pending.Add(bytes[at..end]);
            at = end;
            var buffer = Sequences.Of([.. pending]);
            long bufferStart = pendingStart;
            while (true)
            {
                var status = parser.TryParse(buffer, out var consumed, out var examined, out var frame, out var error);
                long consumedAt = Sequences.OffsetOf(buffer, consumed);
                long examinedAt = Sequences.OffsetOf(buffer, examined);
                if (status == ParseStatus.NeedMoreData)
                {
                    Check(examinedAt == buffer.Length, $"NeedMoreData examined {examinedAt} of {buffer.Length} bytes");
                    most = Math.Max(most, buffer.Length - consumedAt);
                    bufferStart += consumedAt;
                    break;
                }
                if (status == ParseStatus.FatalError)
                {
                    Check(error.Fatal, $"FatalError with a non-fatal {Outcomes.Error(error)}");
                    outcomes.Add(Outcomes.Error(error));
                    return new PipeRun(outcomes, most, 0, Fatal: true);
                }
                Check(consumedAt > 0, $"{status} consumed nothing");
                Check(consumedAt == examinedAt, $"{status} consumed {consumedAt} but examined {examinedAt} bytes");
                if (status == ParseStatus.Frame)
                {
                    CheckShape(frame, grammar, parser);
                    outcomes.Add($"{Outcomes.Frame(frame)} @{bufferStart + consumedAt}");
                }
                else
                {
                    Check(!error.Fatal, $"Error with a fatal {Outcomes.Error(error)}");
                    outcomes.Add($"{Outcomes.Error(error)} @{bufferStart + consumedAt}");
                }
                bufferStart += consumedAt;
                buffer = buffer.Slice(consumed);
            }
            // AdvanceTo(consumed, examined): keep the bytes from consumed on, in their segments.
            long drop = bufferStart - pendingStart;
            pendingStart = bufferStart;
            var kept = new List<byte[]>();
            foreach (byte[] segment in pending)
            {
                if (drop >= segment.Length) { drop -= segment.Length; continue; }
                kept.Add(segment[(int)drop..]);
                drop = 0;
            }
            pending = kept;
        }
        return new PipeRun(outcomes, most, pending.Sum(s => (long)s.Length), Fatal: false);
    }

    /// <summary>
    /// A frame the parser hands out has the shape its verb's table entry gives (the server indexes <c>Args</c> on
    /// that promise), arguments that are tokens the writer accepts, and text within the limits.
    /// </summary>
    private static void CheckShape(in Frame frame, Grammar grammar, FrameParser parser)
    {
        string what = Outcomes.Frame(frame);
        var shape = grammar.ShapeOf(frame.Verb);
        Check(shape is not null, $"{what}: not a verb of this grammar");
        var s = shape!.Value;
        Check(frame.Args.Length >= s.MinArgs && frame.Args.Length <= s.MaxArgs,
            $"{what}: {frame.Args.Length} arguments, the verb takes {s.MinArgs} to {s.MaxArgs}");
        Check(s.Text != TextRule.None || !frame.HasText, $"{what}: text on a verb that takes none");
        Check(s.Text != TextRule.Required || frame.HasText, $"{what}: no text on a verb that needs it");
        foreach (string arg in frame.Args)
            Check(FrameWriter.IsValidArgument(arg), $"{what}: argument '{Sequences.Show(arg)}' is not a valid token");
        Check(frame.Text.Length <= Math.Max(parser.MaxLine, parser.MaxPayload), $"{what}: text of {frame.Text.Length} bytes");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new Xunit.Sdk.XunitException(message);
    }
}
