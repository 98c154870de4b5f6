using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace TcpChat.Protocol;

/// <summary>
/// What counts as a valid nick, room name and message text (docs/PROTOCOL.md, "Names and text").
/// Names are normalized to NFC so that two names cannot differ only by normalization, and compared through
/// <see cref="Key"/>, so that they are unique without regard to case.
/// </summary>
public static class TextRules
{
    public const int MaxNickLength = 32;
    public const int MaxRoomNameLength = 49;

    /// <summary>
    /// Text is valid UTF-8 and holds no control character but LF and TAB: no NUL, CR, ESC, DEL, nor C1 (U+0080-U+009F).
    /// </summary>
    public static bool IsValidText(in ReadOnlySequence<byte> text, out string reason)
    {
        if (text.IsSingleSegment) return IsValidText(text.FirstSpan, out reason);
        byte[] copy = text.ToArray();
        return IsValidText(copy, out reason);
    }

    public static bool IsValidText(ReadOnlySpan<byte> text, out string reason)
    {
        reason = "";
        if (!Utf8.IsValid(text))
        {
            reason = "text must be valid UTF-8";
            return false;
        }
        for (int i = 0; i < text.Length; i++)
        {
            byte b = text[i];
            bool control = (b < 0x20 && b != (byte)'\n' && b != (byte)'\t') || b == 0x7F
                || (b == 0xC2 && text[i + 1] is >= 0x80 and <= 0x9F); // C1 controls, encoded C2 80..C2 9F
            if (control)
            {
                reason = "text must not hold control characters (only LF and TAB are allowed)";
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// <c>nick = 1*32( letter / digit / mark / "_" / "-" / "." )</c>, not starting with a digit or a mark, after NFC.
    /// </summary>
    public static bool TryNormalizeNick(string raw, out string nick, out string reason)
    {
        nick = "";
        if (!TryNormalizeName(raw, MaxNickLength, out string normalized, out reason)) return false;
        Rune first = Rune.GetRuneAt(normalized, 0);
        if (Rune.IsDigit(first) || normalized[0] == '#')
        {
            reason = "a nick must not start with a digit or #";
            return false;
        }
        nick = normalized;
        return true;
    }

    /// <summary><c>room = "#" 1*49( letter / digit / mark / "_" / "-" / "." )</c>, after NFC.</summary>
    public static bool TryNormalizeRoom(string raw, out string room, out string reason)
    {
        room = "";
        if (raw.Length < 2 || raw[0] != '#')
        {
            reason = "a room name is # followed by 1 to 49 letters, digits, _ - or .";
            return false;
        }
        if (!TryNormalizeName(raw[1..], MaxRoomNameLength, out string name, out reason)) return false;
        room = "#" + name;
        return true;
    }

    /// <summary>The identity of a (normalized) nick or room: case does not matter, so <c>João</c> and <c>joão</c> clash.</summary>
    public static string Key(string normalizedName) => normalizedName.ToLowerInvariant();

    public static bool IsRoomName(string target) => target.StartsWith('#');

    private static bool TryNormalizeName(string raw, int maxRunes, out string normalized, out string reason)
    {
        normalized = "";
        reason = $"a name is 1 to {maxRunes} letters, digits, _ - or .";
        if (raw.Length == 0 || raw.Length > maxRunes * 8) return false; // long before counting: bounded work
        string nfc;
        try { nfc = raw.Normalize(NormalizationForm.FormC); }
        catch (ArgumentException) { return false; } // lone surrogates
        int count = 0;
        foreach (Rune rune in nfc.EnumerateRunes())
        {
            count++;
            if (count > maxRunes) return false;
            var category = Rune.GetUnicodeCategory(rune);
            bool mark = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
            bool ok = Rune.IsLetter(rune) || category == UnicodeCategory.DecimalDigitNumber
                || rune.Value is '_' or '-' or '.' || (mark && count > 1);
            if (!ok || IsInvisible(rune)) return false;
        }
        normalized = nfc;
        return count > 0;
    }

    /// <summary>
    /// Letters and marks that show nothing (Unicode's Default_Ignorable_Code_Point that are not format characters, which
    /// are refused anyway): Hangul fillers, variation selectors, the combining grapheme joiner, Khmer inherent vowels and
    /// Mongolian variation selectors. With them, <c>alice</c> and <c>alice</c>+U+FE0F would be two nicks that look the same.
    /// </summary>
    private static bool IsInvisible(Rune rune) => rune.Value is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5
        or (>= 0x180B and <= 0x180D) or 0x180F or 0x3164 or (>= 0xFE00 and <= 0xFE0F) or 0xFFA0 or (>= 0xE0100 and <= 0xE01EF);
}
