using System.Text;

namespace TcpChat.Tui.Views;

/// <summary>
/// Makes text from the network safe to draw: nothing in it may reach the terminal as a control. C0 controls
/// become caret notation (ESC <c>^[</c>, NUL <c>^@</c>, CR <c>^M</c>, BEL <c>^G</c>), DEL <c>^?</c>; C1 controls,
/// bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the line/paragraph separators become
/// <c>&lt;U+009B&gt;</c>. TAB becomes spaces up to the next multiple of <see cref="TabWidth"/>. LF is a line break
/// where the caller keeps line breaks (message bodies), else <c>^J</c>. Views draw placeholders in reverse video,
/// the way irssi and WeeChat do, so they cannot be mistaken for text.
/// </summary>
public static class SafeText
{
    public const int TabWidth = 4;

    /// <summary>The text with every control replaced by its visible placeholder (LF included, as <c>^J</c>); for one-line fields.</summary>
    public static string Sanitize(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        if (!NeedsWork(text))
            return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (var (segment, _) in Segments(text, keepNewlines: false))
            sb.Append(segment);
        return sb.ToString();
    }

    /// <summary>Whether <paramref name="rune"/> must not be written to a terminal as is (TAB and LF included).</summary>
    public static bool IsUnsafe(Rune rune)
    {
        int c = rune.Value;
        return c < 0x20 || c is >= 0x7F and <= 0x9F or >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069 or 0x2028 or 0x2029;
    }

    /// <summary>The visible stand-in for an unsafe rune: <c>^[</c>, <c>^?</c>, <c>&lt;U+009B&gt;</c>.</summary>
    public static string Placeholder(Rune rune)
    {
        int c = rune.Value;
        if (c < 0x20)
            return "^" + (char)(c + 0x40);
        if (c == 0x7F)
            return "^?";
        return $"<U+{c:X4}>";
    }

    /// <summary>
    /// Splits <paramref name="text"/> into runs of safe text and placeholders, in order. With
    /// <paramref name="keepNewlines"/>, each LF is returned as its own "\n" segment (not a placeholder) so the caller can break the line.
    /// </summary>
    public static IEnumerable<(string Text, bool IsPlaceholder)> Segments(string text, bool keepNewlines)
    {
        var run = new StringBuilder();
        int column = 0; // for tab stops, per line
        foreach (Rune rune in text.EnumerateRunes())
        {
            int c = rune.Value;
            if (!IsUnsafe(rune))
            {
                run.Append(rune.ToString());
                column += Terminal.DisplayWidth.OfRune(rune);
                continue;
            }
            if (c == '\t')
            {
                int spaces = TabWidth - column % TabWidth;
                run.Append(' ', spaces);
                column += spaces;
                continue;
            }
            if (run.Length > 0)
            {
                yield return (run.ToString(), false);
                run.Clear();
            }
            if (c == '\n' && keepNewlines)
            {
                column = 0;
                yield return ("\n", false);
                continue;
            }
            string placeholder = Placeholder(rune);
            column += placeholder.Length;
            yield return (placeholder, true);
        }
        if (run.Length > 0)
            yield return (run.ToString(), false);
    }

    private static bool NeedsWork(string text)
    {
        foreach (Rune rune in text.EnumerateRunes())
            if (IsUnsafe(rune) || rune == Rune.ReplacementChar)
                return true;
        return false;
    }
}
