namespace TcpChat.Bench.Load;

/// <summary>
/// The text of every benchmark message: fixed-width decimal fields the receivers read back without allocating, then
/// filler up to the message size. Printable ASCII only, so every protocol carries it as is (IRC forbids CR, LF, NUL).
/// <code>
/// SSSSSSSSSSSS.TTTTTTTTTTTTTTTTTTT.CCCCCCC.xxxxxxxx...
/// seq (12)     scheduled send time (19) sender (7) filler
/// </code>
/// The time is a timestamp of the load generator's clock: sender and receivers share the process, so they share it.
/// </summary>
public static class Payload
{
    private const int SeqDigits = 12, TimeDigits = 19, SenderDigits = 7;
    private const int TimeAt = SeqDigits + 1, SenderAt = TimeAt + TimeDigits + 1;

    /// <summary>The smallest message that holds the fields.</summary>
    public const int MinSize = SenderAt + SenderDigits + 1; // 41

    private static ReadOnlySpan<byte> Filler => "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"u8;

    /// <summary>Writes a message of exactly <c>destination.Length</c> bytes (at least <see cref="MinSize"/>).</summary>
    public static void Write(Span<byte> destination, long seq, long scheduled, int sender)
    {
        if (destination.Length < MinSize) throw new ArgumentException($"a message holds at least {MinSize} bytes", nameof(destination));
        WriteDigits(destination.Slice(0, SeqDigits), seq);
        destination[SeqDigits] = (byte)'.';
        WriteDigits(destination.Slice(TimeAt, TimeDigits), scheduled);
        destination[TimeAt + TimeDigits] = (byte)'.';
        WriteDigits(destination.Slice(SenderAt, SenderDigits), sender);
        destination[SenderAt + SenderDigits] = (byte)'.';
        for (int i = MinSize; i < destination.Length; i++) destination[i] = Filler[i % Filler.Length];
    }

    /// <summary>Reads the fields back; false when <paramref name="text"/> is not a benchmark message.</summary>
    public static bool TryRead(ReadOnlySpan<byte> text, out long seq, out long scheduled, out int sender)
    {
        seq = scheduled = sender = 0;
        if (text.Length < MinSize || text[SeqDigits] != '.' || text[TimeAt + TimeDigits] != '.' || text[SenderAt + SenderDigits] != '.')
            return false;
        if (!TryDigits(text.Slice(0, SeqDigits), out seq) || !TryDigits(text.Slice(TimeAt, TimeDigits), out scheduled)
            || !TryDigits(text.Slice(SenderAt, SenderDigits), out long s))
            return false;
        sender = (int)s;
        return true;
    }

    private static void WriteDigits(Span<byte> field, long value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "fields are not negative");
        for (int i = field.Length - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + value % 10);
            value /= 10;
        }
        if (value != 0) throw new ArgumentOutOfRangeException(nameof(value), $"does not fit in {field.Length} digits");
    }

    private static bool TryDigits(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        foreach (byte b in field)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            value = value * 10 + d;
        }
        return true;
    }
}
