using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace TcpChat.Protocol;

/// <summary>
/// Parses frames from bytes; no I/O. Reader loop: parse every complete frame, then
/// <c>AdvanceTo(consumed, examined)</c>, as in BedrockFramework's <c>IMessageReader</c>.
/// </summary>
/// <remarks>
/// Grammar (docs/PROTOCOL.md, "Framing"):
/// <code>
/// frame        = control-line [ payload ]
/// control-line = VERB *( SP arg ) [ SP length | SP ":" inline-text ] [ CR ] LF
/// payload      = length*OCTET [ CR ] LF          ; only when the control line ends with a length
/// </code>
/// Whether a verb carries text, and after how many arguments, comes from the <see cref="Grammar"/>.
/// Limits are checked before anything is buffered: a control line may not pass <see cref="MaxLine"/> bytes
/// (checked even before its LF arrives) and a length may not pass <see cref="MaxPayload"/>, so a reader never holds
/// more than <c>MaxLine + MaxPayload</c> plus a few bytes of one frame.
/// </remarks>
public sealed class FrameParser(Grammar grammar, int maxLine, int maxPayload)
{
    /// <summary>Largest control line in bytes, CR and LF excluded. Inline text counts toward it.</summary>
    public int MaxLine { get; set; } = maxLine;

    /// <summary>Largest text in the length form, in bytes.</summary>
    public int MaxPayload { get; set; } = maxPayload;

    private const int MaxLengthDigits = 10;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public ParseStatus TryParse(
        in ReadOnlySequence<byte> input,
        out SequencePosition consumed,
        out SequencePosition examined,
        out Frame frame,
        out ProtocolError error)
    {
        frame = default;
        error = default;
        var reader = new SequenceReader<byte>(input);

        while (true)
        {
            SequencePosition frameStart = reader.Position;
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n', advancePastDelimiter: true))
            {
                consumed = frameStart;
                examined = input.End;
                if (reader.Remaining > MaxLine + 1) // + 1: a CR may still precede the LF
                {
                    error = TooLongLine();
                    return ParseStatus.FatalError;
                }
                return ParseStatus.NeedMoreData;
            }

            if (EndsWithCr(line)) line = line.Slice(0, line.Length - 1);
            if (line.Length > MaxLine)
            {
                consumed = examined = reader.Position;
                error = TooLongLine();
                return ParseStatus.FatalError;
            }
            if (IsBlank(line)) continue; // blank lines are ignored: a netcat user pressing Enter is not an error

            var status = ParseControlLine(line, out Verb verb, out string[] args, out ReadOnlySequence<byte> inline,
                out bool hasInline, out long length, out error);
            if (status == ParseStatus.FatalError || (status == ParseStatus.Error && length < 0))
            {
                consumed = examined = status == ParseStatus.FatalError ? input.End : reader.Position;
                return status;
            }

            if (length < 0)
            {
                consumed = examined = reader.Position;
                frame = new Frame(verb, args, inline, hasInline);
                return ParseStatus.Frame;
            }

            // Length form: exactly `length` bytes, then LF or CRLF. A frame that is wrong (status Error) but declared
            // a length still owns its payload: skip it, or its bytes would be read as frames.
            if (reader.Remaining < length + 1)
            {
                consumed = frameStart;
                examined = input.End;
                error = default;
                return ParseStatus.NeedMoreData;
            }
            var payload = input.Slice(reader.Position, length);
            reader.Advance(length);
            reader.TryRead(out byte after);
            if (after == (byte)'\r')
            {
                if (!reader.TryRead(out after))
                {
                    consumed = frameStart;
                    examined = input.End;
                    error = default;
                    return ParseStatus.NeedMoreData;
                }
            }
            if (after != (byte)'\n')
            {
                consumed = examined = input.End;
                error = new ProtocolError(ErrorCode.BadFrame, verb.ToWire(),
                    $"expected LF after the {length}-byte text", Fatal: true);
                return ParseStatus.FatalError;
            }
            consumed = examined = reader.Position;
            if (status == ParseStatus.Error) return status;
            frame = new Frame(verb, args, payload, hasText: true);
            return ParseStatus.Frame;
        }
    }

    private ProtocolError TooLongLine() =>
        new(ErrorCode.TooLong, ProtocolError.NoVerb, $"control line exceeds max_line={MaxLine} bytes", Fatal: true);

    private static bool IsBlank(in ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
            if (segment.Span.ContainsAnyExcept((byte)' ')) return false;
        return true;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty) return false;
        return line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r';
    }

    /// <summary>
    /// Splits a control line into verb, arguments and text. <paramref name="length"/> is the declared payload length,
    /// or -1 when no payload follows (no text, or inline text). It is set with <see cref="ParseStatus.Error"/> too, when
    /// an argument is bad but the line is otherwise well formed and ends with a length: that payload must be skipped.
    /// </summary>
    private ParseStatus ParseControlLine(
        in ReadOnlySequence<byte> line, out Verb verb, out string[] args, out ReadOnlySequence<byte> inline,
        out bool hasInline, out long length, out ProtocolError error)
    {
        args = [];
        inline = default;
        hasInline = false;
        length = -1;
        error = default;

        byte[]? rented = null;
        ReadOnlySpan<byte> span = line.IsSingleSegment ? line.FirstSpan : Copy(line, out rented);
        try
        {
            int pos = 0;
            ReadOnlySpan<byte> verbToken = NextToken(span, ref pos);
            verb = Verbs.Lookup(verbToken);
            VerbShape? maybeShape = grammar.ShapeOf(verb);
            if (maybeShape is not { } shape)
            {
                verb = Verb.Unknown;
                string shown = IsPrintableAsciiWord(verbToken) ? Encoding.ASCII.GetString(verbToken).ToUpperInvariant() : ProtocolError.NoVerb;
                error = new ProtocolError(ErrorCode.UnknownVerb, shown, $"unknown verb {shown}", Fatal: false);
                return ParseStatus.Error;
            }
            string verbName = verb.ToWire();

            var tokens = new List<string>(4);
            ProtocolError? badArgument = null;
            while (true)
            {
                SkipSpaces(span, ref pos);
                if (pos >= span.Length) break;
                if (span[pos] == (byte)':')
                {
                    inline = line.Slice(pos + 1);
                    hasInline = true;
                    break;
                }
                ReadOnlySpan<byte> token = NextToken(span, ref pos);
                if (!TryDecodeArgument(token, out string? arg))
                {
                    // Reported below; read on, since a length at the end of the line still means a payload follows.
                    badArgument ??= new ProtocolError(ErrorCode.BadFrame, verbName,
                        "arguments must be valid UTF-8 without control characters", Fatal: false);
                    arg = ""; // not a length either
                }
                tokens.Add(arg);
            }

            if (badArgument is { } bad && (shape.Text == TextRule.None || hasInline || tokens.Count != shape.MinArgs + 1))
            {
                error = bad;
                return ParseStatus.Error;
            }

            if (shape.Text == TextRule.None)
            {
                if (hasInline || tokens.Count < shape.MinArgs || tokens.Count > shape.MaxArgs)
                    return Usage(verbName, shape, out error);
                args = tokens.ToArray();
                return ParseStatus.Frame;
            }

            int fixedArgs = shape.MinArgs;
            if (hasInline)
            {
                if (tokens.Count != fixedArgs) return Usage(verbName, shape, out error);
            }
            else if (tokens.Count == fixedArgs + 1)
            {
                string last = tokens[^1];
                tokens.RemoveAt(tokens.Count - 1);
                var lengthStatus = ParseLength(last, verbName, out length, out error);
                if (badArgument is not null && lengthStatus != ParseStatus.FatalError)
                {
                    error = badArgument.Value; // reported after the payload, if a length was given, is skipped
                    return ParseStatus.Error;
                }
                if (lengthStatus != ParseStatus.Frame) return lengthStatus;
            }
            else if (tokens.Count != fixedArgs || shape.Text != TextRule.Optional)
            {
                return Usage(verbName, shape, out error);
            }
            args = tokens.ToArray();
            return ParseStatus.Frame;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// <c>length = 1*10DIGIT</c>, at most <see cref="MaxPayload"/>. A signed number is a broken length (fatal): the
    /// sender meant a payload we cannot find the end of. A word is not a length at all, so no payload follows and
    /// the framing survives: that is the netcat user who forgot the colon.
    /// </summary>
    private ParseStatus ParseLength(string token, string verbName, out long length, out ProtocolError error)
    {
        length = -1;
        error = default;
        bool signed = token.Length > 1 && token[0] is '-' or '+';
        ReadOnlySpan<char> digits = signed ? token.AsSpan(1) : token;
        bool numeric = digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9');
        if (!numeric)
        {
            error = new ProtocolError(ErrorCode.BadFrame, verbName,
                $"give the text as :text or as its length in bytes followed by the text on the next line", Fatal: false);
            return ParseStatus.Error;
        }
        if (signed)
        {
            error = new ProtocolError(ErrorCode.BadFrame, verbName, $"bad length {token}", Fatal: true);
            return ParseStatus.FatalError;
        }
        if (digits.Length > MaxLengthDigits || long.Parse(digits) > MaxPayload)
        {
            error = new ProtocolError(ErrorCode.TooLong, verbName,
                $"text of {token} bytes exceeds max_payload={MaxPayload}", Fatal: true);
            return ParseStatus.FatalError;
        }
        length = long.Parse(digits);
        return ParseStatus.Frame;
    }

    private static ParseStatus Usage(string verbName, VerbShape shape, out ProtocolError error)
    {
        string count = shape.MinArgs == shape.MaxArgs ? $"{shape.MinArgs}" : $"{shape.MinArgs} to {shape.MaxArgs}";
        string text = shape.Text switch
        {
            TextRule.Required => " and text",
            TextRule.Optional => " and optional text",
            _ => " and no text",
        };
        error = new ProtocolError(ErrorCode.BadFrame, verbName, $"{verbName} takes {count} argument(s){text}", Fatal: false);
        return ParseStatus.Error;
    }

    private static bool TryDecodeArgument(ReadOnlySpan<byte> token, out string arg)
    {
        arg = "";
        if (!Utf8.IsValid(token)) return false;
        foreach (byte b in token)
            if (b < 0x20 || b == 0x7F) return false;
        arg = StrictUtf8.GetString(token);
        foreach (char c in arg)
            if (c is >= '\u0080' and <= '\u009F') return false;
        return true;
    }

    private static bool IsPrintableAsciiWord(ReadOnlySpan<byte> token)
    {
        if (token.Length is 0 or > 16) return false;
        foreach (byte b in token)
            if (!char.IsAsciiLetterOrDigit((char)b) && b != (byte)'_') return false;
        return true;
    }

    private static ReadOnlySpan<byte> NextToken(ReadOnlySpan<byte> span, ref int pos)
    {
        SkipSpaces(span, ref pos);
        int start = pos;
        int end = span[start..].IndexOf((byte)' ');
        pos = end < 0 ? span.Length : start + end;
        return span[start..pos];
    }

    private static void SkipSpaces(ReadOnlySpan<byte> span, ref int pos)
    {
        while (pos < span.Length && span[pos] == (byte)' ') pos++;
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> line, out byte[] rented)
    {
        rented = ArrayPool<byte>.Shared.Rent((int)line.Length);
        line.CopyTo(rented);
        return rented.AsSpan(0, (int)line.Length);
    }
}
