using System.Text;

namespace TcpChat.Tui.Views;

/// <summary>
/// Makes text from the network safe to draw: nothing in it may reach the terminal as a control. C0 controls
/// become caret notation (ESC <c>^[</c>, NUL <c>^@</c>, CR <c>^M</c>, BEL <c>^G</c>), DEL <c>^?</c>; C1 controls,
/// bidi controls (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069, the marks U+200E, U+200F and
/// U+061C), invisible characters (zero-width space U+200B, word joiner and invisible operators U+2060-U+2064, BOM
/// U+FEFF, a zero-width joiner outside an emoji sequence, a non-joiner outside a word) and the line/paragraph
/// separators become <c>&lt;U+009B&gt;</c>, so nothing from the network can reorder what is shown or hide text
/// in it. TAB becomes spaces up to the next multiple of <see cref="TabWidth"/>. LF is a line break
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

    /// <summary>Whether <paramref name="rune"/> must not be written to a terminal as is (TAB and LF included), whatever surrounds it.</summary>
    public static bool IsUnsafe(Rune rune)
    {
        int c = rune.Value;
        return c < 0x20 || c is >= 0x7F and <= 0x9F or >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069 or 0x2028 or 0x2029
            or 0x200B or 0x200E or 0x200F or 0x061C or >= 0x2060 and <= 0x2064 or 0xFEFF;
    }

    private const int ZeroWidthJoiner = 0x200D, ZeroWidthNonJoiner = 0x200C;

    /// <summary>
    /// Whether the rune at <paramref name="i"/> must not be drawn as is: <see cref="IsUnsafe(Rune)"/>, or a joiner
    /// out of place — ZWJ is kept only between two pictographs (👨‍👩‍👧), ZWNJ only between two letters of a script
    /// that uses it (Persian, Indic), never next to ASCII.
    /// </summary>
    private static bool IsUnsafeAt(Rune[] runes, int i)
    {
        var rune = runes[i];
        if (IsUnsafe(rune))
            return true;
        if (rune.Value is not (ZeroWidthJoiner or ZeroWidthNonJoiner))
            return false;
        if (i == 0 || i == runes.Length - 1)
            return true;
        Rune before = runes[i - 1], after = runes[i + 1];
        if (rune.Value == ZeroWidthJoiner)
            return !(IsPictographic(before) || before.Value is 0xFE0F or >= 0x1F3FB and <= 0x1F3FF) || !IsPictographic(after);
        return !(IsWordPart(before) && IsWordPart(after));
    }

    private static bool IsPictographic(Rune rune) => rune.Value is >= 0x2600 and <= 0x27BF or >= 0x1F000 and <= 0x1FAFF;

    private static bool IsWordPart(Rune rune) =>
        rune.Value >= 0x80 && (Rune.IsLetter(rune) || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark);

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
        var runes = text.EnumerateRunes().ToArray();
        for (int i = 0; i < runes.Length; i++)
        {
            Rune rune = runes[i];
            int c = rune.Value;
            if (!IsUnsafeAt(runes, i))
            {
                run.Append(rune.ToString());
                column += DisplayWidth.OfRune(rune);
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
            if (IsUnsafe(rune) || rune == Rune.ReplacementChar || rune.Value is ZeroWidthJoiner or ZeroWidthNonJoiner)
                return true;
        return false;
    }
}
