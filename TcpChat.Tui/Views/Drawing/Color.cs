namespace TcpChat.Tui.Views;

public enum ColorKind : byte
{
    /// <summary>The terminal's own default colour (what the user configured).</summary>
    Default,
    /// <summary>One of the 16 basic ANSI colours (index 0-15), themed by the terminal.</summary>
    Ansi16,
    /// <summary>An entry of the xterm 256-colour palette.</summary>
    Indexed,
}

/// <summary>
/// A terminal colour. Only the palettes every common terminal supports are modelled;
/// <c>default(Color)</c> is the terminal default. <see cref="Indexed"/>(1) and <see cref="Red"/>
/// are distinct values because they produce different SGR codes.
/// </summary>
public readonly record struct Color
{
    private Color(ColorKind kind, byte index)
    {
        Kind = kind;
        Index = index;
    }

    public ColorKind Kind { get; }

    /// <summary>0-15 for <see cref="ColorKind.Ansi16"/>, 0-255 for <see cref="ColorKind.Indexed"/>.</summary>
    public byte Index { get; }

    public static Color Default => default;
    public static Color Black => Ansi(0);
    public static Color Red => Ansi(1);
    public static Color Green => Ansi(2);
    public static Color Yellow => Ansi(3);
    public static Color Blue => Ansi(4);
    public static Color Magenta => Ansi(5);
    public static Color Cyan => Ansi(6);
    /// <summary>ANSI "white" (7) is usually rendered light grey.</summary>
    public static Color White => Ansi(7);
    /// <summary>ANSI "bright black" (8) is usually rendered dark grey.</summary>
    public static Color BrightBlack => Ansi(8);
    public static Color BrightRed => Ansi(9);
    public static Color BrightGreen => Ansi(10);
    public static Color BrightYellow => Ansi(11);
    public static Color BrightBlue => Ansi(12);
    public static Color BrightMagenta => Ansi(13);
    public static Color BrightCyan => Ansi(14);
    public static Color BrightWhite => Ansi(15);

    public static Color Ansi(int index) =>
        index is >= 0 and <= 15
            ? new Color(ColorKind.Ansi16, (byte)index)
            : throw new ArgumentOutOfRangeException(nameof(index), index, "ANSI colours are 0-15.");

    public static Color Indexed(byte index) => new(ColorKind.Indexed, index);

    public override string ToString() => Kind switch
    {
        ColorKind.Ansi16 => $"Ansi({Index})",
        ColorKind.Indexed => $"Indexed({Index})",
        _ => "Default",
    };
}
