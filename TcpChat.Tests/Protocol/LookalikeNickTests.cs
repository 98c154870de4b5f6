using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

/// <summary>
/// Two nicks must not look the same: besides NFC and case (TextRulesTests), no character that shows nothing or turns
/// the text around may be in a nick or a room name: bidirectional controls, zero-width and other format characters,
/// and the letters and marks Unicode marks as default-ignorable (Hangul fillers, variation selectors...).
/// </summary>
public sealed class LookalikeNickTests
{
    public static TheoryData<string, string> Invisible() => new()
    {
        { "RLO U+202E", "\u202E" }, { "LRO U+202D", "\u202D" }, { "RLE U+202B", "\u202B" }, { "LRE U+202A", "\u202A" },
        { "PDF U+202C", "\u202C" }, { "LRI U+2066", "\u2066" }, { "RLI U+2067", "\u2067" }, { "FSI U+2068", "\u2068" },
        { "PDI U+2069", "\u2069" }, { "LRM U+200E", "\u200E" }, { "RLM U+200F", "\u200F" }, { "ALM U+061C", "\u061C" },
        { "zero-width space", "\u200B" }, { "ZWNJ", "\u200C" }, { "ZWJ", "\u200D" }, { "word joiner", "\u2060" },
        { "BOM", "\uFEFF" }, { "soft hyphen", "\u00AD" }, { "Mongolian vowel separator", "\u180E" },
        { "Hangul filler U+3164", "\u3164" }, { "halfwidth Hangul filler", "\uFFA0" }, { "Hangul choseong filler", "\u115F" },
        { "Hangul jungseong filler", "\u1160" }, { "variation selector 16", "\uFE0F" }, { "variation selector 1", "\uFE00" },
        { "variation selector 17", "\U000E0100" }, { "combining grapheme joiner", "\u034F" }, { "Khmer inherent vowel", "\u17B4" },
        { "Mongolian free variation selector", "\u180B" }, { "tag character", "\U000E0041" },
    };

    [Theory]
    [MemberData(nameof(Invisible))]
    public void NickWithAnInvisibleCharacterIsRefused(string why, string invisible)
    {
        Assert.False(TextRules.TryNormalizeNick("alice" + invisible, out _, out _), why);
        Assert.False(TextRules.TryNormalizeNick("al" + invisible + "ice", out _, out _), why);
        Assert.False(TextRules.TryNormalizeRoom("#lobby" + invisible, out _, out _), why);
    }

    [Theory]
    [InlineData("Ωmega")]
    [InlineData("किताब")]
    [InlineData("naïve")]
    [InlineData("대한민국")]
    public void VisibleLettersAndMarksStayAllowed(string nick) => Assert.True(TextRules.TryNormalizeNick(nick, out _, out _));
}
