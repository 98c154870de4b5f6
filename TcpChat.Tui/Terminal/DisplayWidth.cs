using System.Globalization;
using System.Text;

namespace TcpChat.Tui.Terminal;

/// <summary>
/// How many terminal columns text occupies. Text is always walked by extended grapheme cluster
/// (<see cref="StringInfo.GetNextTextElementLength(ReadOnlySpan{char})"/>), never by char, so a
/// cluster such as <c>a + U+0303</c>, <c>👍🏽</c> or <c>👨‍👩‍👧</c> is measured, cut and drawn as one unit.
/// <para>
/// The rule for a cluster (the one most terminals follow, as in wcwidth / unicode-width):
/// it is as wide as its first code point, except that a regional-indicator pair (a flag) and a
/// cluster carrying VS16 (U+FE0F, emoji presentation) are 2. Zero-width code points (Mn, Me, Cf,
/// controls, Hangul medial/final jamo) contribute nothing. Wide code points come from a compact
/// copy of EastAsianWidth.txt W/F (which since Unicode 9 includes every Emoji_Presentation
/// pictograph); neighbouring ranges are merged over unassigned code points, which the standard
/// also treats as wide in these blocks.
/// </para>
/// </summary>
public static class DisplayWidth
{
    // East_Asian_Width W or F, merged; sorted, inclusive. Checked only for code points >= U+1100.
    private static readonly (int Lo, int Hi)[] s_wide =
    [
        (0x1100, 0x115F),   // Hangul Jamo initial consonants (combine with the zero-width medials)
        (0x231A, 0x231B),   // ⌚⌛
        (0x2329, 0x232A),   // 〈〉 angle brackets
        (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3), // ⏩..⏬ ⏰ ⏳
        (0x25FD, 0x25FE),   // ◽◾
        (0x2614, 0x2615),   // ☔☕
        (0x2648, 0x2653),   // ♈..♓ zodiac
        (0x267F, 0x267F), (0x2693, 0x2693), (0x26A1, 0x26A1), (0x26AA, 0x26AB),
        (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4),
        (0x26EA, 0x26EA), (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA),
        (0x26FD, 0x26FD),   // misc symbols with emoji presentation (♿ ⚓ ⚡ ⚽ ⛄ ⛔ ⛪ ⛲ ⛵ ⛺ ⛽)
        (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C),
        (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
        (0x27B0, 0x27B0), (0x27BF, 0x27BF), // dingbats with emoji presentation (✅ ✊ ✨ ❌ ❓ ❗ ➕ ➰ ➿)
        (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55), // ⬛⬜ ⭐ ⭕
        (0x2E80, 0x303E),   // CJK radicals, Kangxi, ideographic description, CJK symbols & punctuation (U+3000 space)
        (0x3041, 0x3247),   // Hiragana, Katakana, Bopomofo, Hangul compatibility jamo, Kanbun, CJK strokes, enclosed CJK
        (0x3250, 0x4DBF),   // enclosed CJK, CJK compatibility, CJK Extension A (U+4DC0 Yijing hexagrams are narrow)
        (0x4E00, 0xA4C6),   // CJK Unified Ideographs, Yi
        (0xA960, 0xA97C),   // Hangul Jamo Extended-A
        (0xAC00, 0xD7A3),   // Hangul syllables
        (0xF900, 0xFAD9),   // CJK compatibility ideographs
        (0xFE10, 0xFE6B),   // vertical forms, CJK compatibility forms, small form variants
        (0xFF01, 0xFF60),   // fullwidth ASCII and punctuation
        (0xFFE0, 0xFFE6),   // fullwidth signs (￠ ￡ ￥ ...)
        (0x16FE0, 0x1B2FB), // ideographic symbols, Tangut, Khitan, Kana supplement/extended, Nushu
        (0x1F004, 0x1F004), (0x1F0CF, 0x1F0CF), // 🀄 🃏
        (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), // 🆎 🆑..🆚
        (0x1F200, 0x1F320), // enclosed ideographic supplement, 🌀..🌠
        (0x1F32D, 0x1F335), (0x1F337, 0x1F37C), (0x1F37E, 0x1F393), (0x1F3A0, 0x1F3CA),
        (0x1F3CF, 0x1F3D3), (0x1F3E0, 0x1F3F0), (0x1F3F4, 0x1F3F4),
        (0x1F3F8, 0x1F43E), // includes the skin tone modifiers U+1F3FB..1F3FF
        (0x1F440, 0x1F440), (0x1F442, 0x1F4FC), (0x1F4FF, 0x1F53D), (0x1F54B, 0x1F54E),
        (0x1F550, 0x1F567), (0x1F57A, 0x1F57A), (0x1F595, 0x1F596), (0x1F5A4, 0x1F5A4),
        (0x1F5FB, 0x1F64F), // 🗻..🙏 incl. emoticons
        (0x1F680, 0x1F6C5), (0x1F6CC, 0x1F6CC), (0x1F6D0, 0x1F6D2), (0x1F6D5, 0x1F6DF),
        (0x1F6EB, 0x1F6EC), (0x1F6F4, 0x1F6FC), // transport and map symbols
        (0x1F7E0, 0x1F7F0), // 🟠..🟰 coloured circles and squares
        (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1F9FF), // supplemental symbols and pictographs
        (0x1FA70, 0x1FAFF), // symbols and pictographs extended-A
        (0x20000, 0x3FFFD), // CJK Extensions B.. (planes 2 and 3)
    ];

    /// <summary>Columns of a single code point: 0, 1 or 2 (see the class remarks).</summary>
    public static int OfRune(Rune rune)
    {
        int cp = rune.Value;
        if (cp < 0x7F)
            return cp >= 0x20 ? 1 : 0; // printable ASCII fast path; C0 controls take no column
        if (IsZeroWidth(rune))
            return 0;
        if (cp < 0x1100)
            return 1;
        return IsWide(cp) ? 2 : 1;
    }

    /// <summary>Columns of one grapheme cluster (the caller has already split the text).</summary>
    public static int OfGrapheme(ReadOnlySpan<char> grapheme)
    {
        if (grapheme.IsEmpty)
            return 0;
        // A lone surrogate decodes as U+FFFD, which is what the UTF-8 encoder will emit for it.
        Rune.DecodeFromUtf16(grapheme, out Rune first, out int consumed);
        if (first.Value is >= 0x1F1E6 and <= 0x1F1FF)
            return 2; // regional indicators: a flag pair (and a lone one) is drawn 2 wide
        int width = OfRune(first);
        if (width == 1 && grapheme[consumed..].Contains('\uFE0F'))
            return 2; // VS16 asks for emoji presentation: ❤️, 1️⃣, ☺️
        return width;
    }

    /// <summary>Total columns of <paramref name="text"/>, summed over its grapheme clusters.</summary>
    public static int Of(ReadOnlySpan<char> text)
    {
        int width = 0;
        while (!text.IsEmpty)
        {
            int length = StringInfo.GetNextTextElementLength(text);
            width += OfGrapheme(text[..length]);
            text = text[length..];
        }
        return width;
    }

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
            int length = StringInfo.GetNextTextElementLength(text[index..]);
            int w = OfGrapheme(text.Slice(index, length));
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

    private static bool IsZeroWidth(Rune rune)
    {
        int cp = rune.Value;
        // Hangul Jungseong/Jongseong: in a decomposed syllable they stack under the leading jamo.
        if (cp is >= 0x1160 and <= 0x11FF or >= 0xD7B0 and <= 0xD7FF)
            return true;
        // Mn/Me: combining marks (incl. variation selectors); Cf: ZWJ, ZWNJ, ZWSP, bidi marks;
        // Cc: controls, which the caller should have removed but must not break the layout.
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.Format or UnicodeCategory.Control;
    }

    private static bool IsWide(int cp)
    {
        int lo = 0, hi = s_wide.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cp < s_wide[mid].Lo)
                hi = mid - 1;
            else if (cp > s_wide[mid].Hi)
                lo = mid + 1;
            else
                return true;
        }
        return false;
    }
}
