using System.Globalization;
using System.Text;
using Terminal.Gui.Text;

namespace TcpChat.Tui.Views;

/// <summary>
/// How many terminal columns text occupies, by Terminal.Gui's own measure (<c>GetColumns</c>), so that what the
/// client wraps and cuts is exactly what the toolkit draws. Text is always walked by extended grapheme cluster
/// (<see cref="StringInfo.GetNextTextElementLength(ReadOnlySpan{char})"/>), never by char, so a cluster such as
/// <c>a + U+0303</c>, <c>👍🏽</c> or <c>👨‍👩‍👧</c> is measured, cut and drawn as one unit.
/// </summary>
public static class DisplayWidth
{
    /// <summary>Columns of a single code point: 0, 1 or 2 (controls count 0).</summary>
    public static int OfRune(Rune rune) => Math.Max(0, rune.GetColumns());

    /// <summary>Columns of one grapheme cluster (the caller has already split the text).</summary>
    public static int OfGrapheme(ReadOnlySpan<char> grapheme) =>
        grapheme.IsEmpty ? 0 : Math.Max(0, grapheme.ToString().GetColumns());

    /// <summary>Total columns of <paramref name="text"/>, summed over its grapheme clusters.</summary>
    public static int Of(ReadOnlySpan<char> text)
    {
        int width = 0;
        for (int i = 0; i < text.Length;)
        {
            if (IsLoneAscii(text, i))
            {
                width++;
                i++;
                continue;
            }
            int length = StringInfo.GetNextTextElementLength(text[i..]);
            width += OfGrapheme(text.Slice(i, length));
            i += length;
        }
        return width;
    }

    /// <summary>
    /// True when the char at <paramref name="i"/> is printable ASCII and the next is ASCII too (or there is none):
    /// then it is a grapheme of its own, one column wide, as the toolkit measures it (a test holds that). Most chat
    /// text is such chars, and the toolkit's general measure costs far more per grapheme.
    /// </summary>
    private static bool IsLoneAscii(ReadOnlySpan<char> text, int i) =>
        text[i] is >= ' ' and <= '~' && (i + 1 == text.Length || text[i + 1] < 0x80);

    /// <inheritdoc cref="Of(ReadOnlySpan{char})"/>
    public static int Of(string? text) => Of(text.AsSpan());

    /// <summary>The grapheme clusters of <paramref name="text"/>, in order.</summary>
    public static IEnumerable<string> Graphemes(string text)
    {
        for (int i = 0; i < text.Length;)
        {
            int length = StringInfo.GetNextTextElementLength(text.AsSpan(i));
            yield return text.Substring(i, length);
            i += length;
        }
    }

    /// <summary>
    /// Length in chars of the longest prefix made of whole graphemes that fits in
    /// <paramref name="maxWidth"/> columns; <paramref name="width"/> receives its width.
    /// Useful for cutting text and for mapping a column back to a string index.
    /// </summary>
    public static int PrefixLength(ReadOnlySpan<char> text, int maxWidth, out int width)
    {
        int index = 0;
        width = 0;
        while (index < text.Length)
        {
            bool ascii = IsLoneAscii(text, index);
            int length = ascii ? 1 : StringInfo.GetNextTextElementLength(text[index..]);
            int w = ascii ? 1 : OfGrapheme(text.Slice(index, length));
            if (width + w > maxWidth)
                break;
            width += w;
            index += length;
        }
        return index;
    }

    /// <summary>
    /// Splits <paramref name="text"/> after the longest whole-grapheme prefix that fits in
    /// <paramref name="maxWidth"/> columns (a wide grapheme that would straddle the limit goes to the tail).
    /// </summary>
    public static (string Head, string Tail) SplitAt(string text, int maxWidth)
    {
        int length = PrefixLength(text, maxWidth, out _);
        return (text[..length], text[length..]);
    }

    /// <summary>
    /// <paramref name="text"/> cut to at most <paramref name="maxWidth"/> columns, by whole graphemes.
    /// When it had to be cut and <paramref name="ellipsis"/> is given (e.g. "…"), the ellipsis replaces
    /// the end so the result still fits.
    /// </summary>
    public static string Truncate(string text, int maxWidth, string ellipsis = "")
    {
        if (maxWidth <= 0)
            return "";
        int length = PrefixLength(text, maxWidth, out _);
        if (length == text.Length)
            return text;
        int ellipsisWidth = Of(ellipsis);
        if (ellipsisWidth == 0 || ellipsisWidth > maxWidth)
            return text[..length];
        length = PrefixLength(text, maxWidth - ellipsisWidth, out _);
        return string.Concat(text.AsSpan(0, length), ellipsis);
    }
}
