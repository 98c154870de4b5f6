using System.Text;
using TgAttribute = Terminal.Gui.Drawing.Attribute;
using TgColor = Terminal.Gui.Drawing.Color;
using TgColorName = Terminal.Gui.Drawing.ColorName16;
using TgTextStyle = Terminal.Gui.Drawing.TextStyle;

namespace TcpChat.Tui.Views;

/// <summary>
/// The client's styles. Emphasis that matters is carried by attributes (bold, dim, reverse), not only colour,
/// so it survives NO_COLOR (where <see cref="ToAttribute"/> drops colours). Views use these <see cref="Style"/> values;
/// only <see cref="ToAttribute"/> knows how Terminal.Gui spells them.
/// </summary>
public static class Theme
{
    /// <summary>True when NO_COLOR is set to a non-empty value (https://no-color.org): styles keep their attributes, lose their colours.</summary>
    public static bool NoColor { get; set; } = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>
    /// The Terminal.Gui attribute for <paramref name="style"/>: the 16 ANSI colours by name (the terminal's theme
    /// decides how they look), <see cref="Color.Default"/> as <see cref="TgColor.None"/> (the terminal's own colour),
    /// dim as faint.
    /// </summary>
    public static TgAttribute ToAttribute(Style style)
    {
        var fg = NoColor ? TgColor.None : ToColor(style.Foreground);
        var bg = NoColor ? TgColor.None : ToColor(style.Background);
        var text = TgTextStyle.None;
        if (style.Has(TextAttributes.Bold)) text |= TgTextStyle.Bold;
        if (style.Has(TextAttributes.Dim)) text |= TgTextStyle.Faint;
        if (style.Has(TextAttributes.Italic)) text |= TgTextStyle.Italic;
        if (style.Has(TextAttributes.Underline)) text |= TgTextStyle.Underline;
        if (style.Has(TextAttributes.Reverse)) text |= TgTextStyle.Reverse;
        return new TgAttribute(fg, bg, text);
    }

    /// <summary>ANSI index (0-15, in SGR order) to Terminal.Gui's colour names.</summary>
    public static readonly IReadOnlyList<TgColorName> AnsiNames =
    [
        TgColorName.Black, TgColorName.Red, TgColorName.Green, TgColorName.Yellow,
        TgColorName.Blue, TgColorName.Magenta, TgColorName.Cyan, TgColorName.Gray,
        TgColorName.DarkGray, TgColorName.BrightRed, TgColorName.BrightGreen, TgColorName.BrightYellow,
        TgColorName.BrightBlue, TgColorName.BrightMagenta, TgColorName.BrightCyan, TgColorName.White,
    ];

    private static TgColor ToColor(Color color) => color.Kind switch
    {
        ColorKind.Ansi16 => new TgColor(AnsiNames[color.Index]),
        ColorKind.Indexed => color.Index < 16 ? new TgColor(AnsiNames[color.Index]) : TgColor.None,
        _ => TgColor.None,
    };

    /// <summary>The top status line and other bars: reverse video.</summary>
    public static readonly Style Bar = new(Attributes: TextAttributes.Reverse);
    public static readonly Style BarEmphasis = new(Attributes: TextAttributes.Reverse | TextAttributes.Bold);
    public static readonly Style Time = new(Attributes: TextAttributes.Dim);
    public static readonly Style System = new(Attributes: TextAttributes.Dim);
    public static readonly Style Info = Style.Default;
    public static readonly Style InfoMarker = new(Color.Cyan, Attributes: TextAttributes.Bold);
    public static readonly Style Error = new(Color.Red, Attributes: TextAttributes.Bold);
    /// <summary>A nick that mentioned me: bold yellow, reversed (a yellow block in colour; reverse without colour).</summary>
    public static readonly Style MentionNick = new(Color.Yellow, Attributes: TextAttributes.Bold | TextAttributes.Reverse);
    /// <summary>A visible placeholder for a control character.</summary>
    public static readonly Style Placeholder = new(Attributes: TextAttributes.Reverse);
    public static readonly Style Separator = new(Color.BrightBlack);
    public static readonly Style Title = new(Attributes: TextAttributes.Bold | TextAttributes.Underline);
    public static readonly Style More = new(Color.Yellow, Attributes: TextAttributes.Bold | TextAttributes.Reverse);
    public static readonly Style CurrentRoom = new(Attributes: TextAttributes.Reverse | TextAttributes.Bold);
    public static readonly Style UnreadRoom = new(Attributes: TextAttributes.Bold);
    public static readonly Style MentionCount = new(Color.BrightYellow, Attributes: TextAttributes.Bold);
    public static readonly Style Prompt = new(Color.Cyan, Attributes: TextAttributes.Bold);
    public static readonly Style Question = new(Color.Yellow, Attributes: TextAttributes.Bold | TextAttributes.Reverse);
    public static readonly Style Newline = new(Attributes: TextAttributes.Dim);
    /// <summary>The "terminal too small" notice.</summary>
    public static readonly Style Notice = new(Attributes: TextAttributes.Bold);

    /// <summary>Nick colours: the 12 non-grey ANSI colours, which every terminal themes to be readable.</summary>
    public static readonly IReadOnlyList<Color> NickPalette =
    [
        Color.Red, Color.Green, Color.Yellow, Color.Blue, Color.Magenta, Color.Cyan,
        Color.BrightRed, Color.BrightGreen, Color.BrightYellow, Color.BrightBlue, Color.BrightMagenta, Color.BrightCyan,
    ];

    /// <summary>
    /// The colour of <paramref name="nick"/>: FNV-1a (32-bit) over the UTF-8 of the lower-cased nick, into
    /// <see cref="NickPalette"/>. The same in every run and on every machine (unlike string.GetHashCode), and the
    /// same for "Alice" and "alice".
    /// </summary>
    public static Color NickColor(string nick)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(nick.ToLowerInvariant()))
        {
            hash ^= b;
            hash *= 16777619;
        }
        return NickPalette[(int)(hash % (uint)NickPalette.Count)];
    }

    /// <summary>The style of a nick: its colour, bold when it is mine.</summary>
    public static Style Nick(string nick, bool own = false) =>
        new(NickColor(nick), Attributes: own ? TextAttributes.Bold : TextAttributes.None);
}
