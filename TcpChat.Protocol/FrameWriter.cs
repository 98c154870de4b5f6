using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace TcpChat.Protocol;

/// <summary>
/// Writes frames into an <see cref="IBufferWriter{T}"/>; no I/O. Text is always written in the length form, so any
/// text (newlines included) is safe on the wire.
/// </summary>
public static class FrameWriter
{
    /// <summary><c>VERB *( SP arg ) LF</c></summary>
    public static void Write(IBufferWriter<byte> output, Verb verb, params ReadOnlySpan<string> args)
    {
        WriteControl(output, verb, args);
        WriteByte(output, (byte)'\n');
    }

    /// <summary><c>VERB *( SP arg ) SP length LF text LF</c></summary>
    public static void WriteWithText(IBufferWriter<byte> output, Verb verb, ReadOnlySpan<string> args, ReadOnlySpan<byte> text)
    {
        WriteControl(output, verb, args);
        WriteByte(output, (byte)' ');
        WriteNumber(output, text.Length);
        WriteByte(output, (byte)'\n');
        output.Write(text);
        WriteByte(output, (byte)'\n');
    }

    public static void WriteWithText(IBufferWriter<byte> output, Verb verb, ReadOnlySpan<string> args, in ReadOnlySequence<byte> text)
    {
        WriteControl(output, verb, args);
        WriteByte(output, (byte)' ');
        WriteNumber(output, text.Length);
        WriteByte(output, (byte)'\n');
        foreach (var segment in text) output.Write(segment.Span);
        WriteByte(output, (byte)'\n');
    }

    public static void WriteWithText(IBufferWriter<byte> output, Verb verb, ReadOnlySpan<string> args, string text)
    {
        byte[]? rented = null;
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        int n = Encoding.UTF8.GetBytes(text, bytes);
        WriteWithText(output, verb, args, bytes[..n]);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary><c>ERR SP code SP verb SP length LF text LF</c></summary>
    public static void WriteError(IBufferWriter<byte> output, ErrorCode code, string verb, string text) =>
        WriteWithText(output, Verb.Err, [code.ToWire(), verb], text);

    /// <summary>Encodes one frame into a new array: for a broadcast, encode once and queue the same bytes to all.</summary>
    public static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An argument must be a non-empty token: no space, no control character, not starting with ':'.</summary>
    public static bool IsValidArgument(string arg)
    {
        if (arg.Length == 0 || arg[0] == ':') return false;
        foreach (char c in arg)
            if (c == ' ' || char.IsControl(c)) return false;
        return true;
    }

    private static void WriteControl(IBufferWriter<byte> output, Verb verb, ReadOnlySpan<string> args)
    {
        if (verb == Verb.Unknown) throw new ArgumentException("cannot write an unknown verb", nameof(verb));
        WriteAscii(output, verb.ToWire());
        foreach (string arg in args)
        {
            if (!IsValidArgument(arg)) throw new ArgumentException($"not a valid argument: '{arg}'", nameof(args));
            WriteByte(output, (byte)' ');
            Span<byte> span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(arg.Length));
            output.Advance(Encoding.UTF8.GetBytes(arg, span));
        }
    }

    private static void WriteAscii(IBufferWriter<byte> output, string ascii)
    {
        Span<byte> span = output.GetSpan(ascii.Length);
        for (int i = 0; i < ascii.Length; i++) span[i] = (byte)ascii[i];
        output.Advance(ascii.Length);
    }

    private static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        Span<byte> span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        output.Advance(written);
    }

    private static void WriteByte(IBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }
}
