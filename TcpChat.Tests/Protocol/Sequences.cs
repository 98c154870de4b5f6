using System.Buffers;
using System.Text;

namespace TcpChat.Tests.Protocol;

/// <summary>One segment of a hand-built <see cref="ReadOnlySequence{T}"/>, as a pipe would hand them out.</summary>
internal sealed class Segment : ReadOnlySequenceSegment<byte>
{
    public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public Segment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new Segment(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }
}

/// <summary>Ways of cutting the same bytes into a <see cref="ReadOnlySequence{T}"/>.</summary>
internal static class Sequences
{
    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Builds a sequence with one segment per chunk (empty chunks included).</summary>
    public static ReadOnlySequence<byte> Of(params byte[][] chunks)
    {
        if (chunks.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (byte[] chunk in chunks.Skip(1)) last = last.Append(chunk);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> Whole(byte[] bytes) => new(bytes);

    /// <summary>Two segments: <c>bytes[..at]</c> and <c>bytes[at..]</c>; either may be empty.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int at) => Of(bytes[..at], bytes[at..]);

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes) =>
        bytes.Length == 0 ? ReadOnlySequence<byte>.Empty : Of(bytes.Select(b => new[] { b }).ToArray());

    /// <summary>The whole buffer, every two-segment split, and one byte per segment: what every frame must survive.</summary>
    public static IEnumerable<(string How, ReadOnlySequence<byte> Sequence)> AllCuts(byte[] bytes)
    {
        yield return ("whole", Whole(bytes));
        for (int at = 0; at <= bytes.Length; at++) yield return ($"split at {at}", SplitAt(bytes, at));
        yield return ("one byte per segment", OneBytePerSegment(bytes));
    }

    /// <summary>How many bytes of <paramref name="input"/> lie before <paramref name="position"/>.</summary>
    public static long OffsetOf(in ReadOnlySequence<byte> input, SequencePosition position) =>
        input.Slice(input.Start, position).Length;

    /// <summary>Escapes control characters so a wire string reads well in an assertion message.</summary>
    public static string Show(string wire)
    {
        var sb = new StringBuilder();
        foreach (char c in wire)
        {
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
