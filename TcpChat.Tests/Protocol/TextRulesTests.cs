using System.Buffers;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Tests.Protocol;

public class TextRulesTests
{
    // ---- Text ----

    public static TheoryData<string, byte[]> ValidTexts() => new()
    {
        { "empty", [] },
        { "ASCII", "hello world"u8.ToArray() },
        { "LF", "line one\nline two\n"u8.ToArray() },
        { "TAB", "a\tb"u8.ToArray() },
        { "accents", "João"u8.ToArray() },
        { "CJK", "漢字"u8.ToArray() },
        { "emoji with skin tone", "👍🏽"u8.ToArray() },
        { "ZWJ sequence", "👨‍👩‍👧"u8.ToArray() },
        { "NBSP (C2 A0, just past C1)", "a\u00a0b"u8.ToArray() },
        { "U+00FF", "ÿ"u8.ToArray() },
        { "right-to-left text", "שלום"u8.ToArray() },
        { "combining mark", "Joa\u0303o"u8.ToArray() },
    };

    public static TheoryData<string, byte[]> InvalidTexts() => new()
    {
        { "NUL", "a\0b"u8.ToArray() },
        { "ESC", "\u001b[31mred"u8.ToArray() },
        { "CR", "a\rb"u8.ToArray() },
        { "CRLF", "a\r\nb"u8.ToArray() },
        { "BEL", "\u0007"u8.ToArray() },
        { "DEL", "a\u007fb"u8.ToArray() },
        { "C1 NEL U+0085", "a\u0085b"u8.ToArray() },
        { "C1 CSI U+009B", "\u009b31m"u8.ToArray() },
        { "C1 U+0080", "\u0080"u8.ToArray() },
        { "C1 U+009F at the end", "x\u009f"u8.ToArray() },
        { "invalid byte FF", [0x61, 0xFF, 0x62] },
        { "truncated sequence", [0x4A, 0x6F, 0xC3] },
        { "lone continuation byte", [0x80] },
        { "overlong slash", [0xC0, 0xAF] },
        { "overlong NUL", [0xC0, 0x80] },
        { "encoded surrogate", [0xED, 0xA0, 0x80] },
        { "beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80] },
    };

    [Theory]
    [MemberData(nameof(ValidTexts))]
    public void ValidTextIsAccepted(string why, byte[] text)
    {
        Assert.True(TextRules.IsValidText(text, out string reason), $"{why}: {reason}");
        Assert.True(TextRules.IsValidText(Sequences.OneBytePerSegment(text), out reason), $"{why} (segmented): {reason}");
    }

    [Theory]
    [MemberData(nameof(InvalidTexts))]
    public void InvalidTextIsRefusedWithAReason(string why, byte[] text)
    {
        Assert.False(TextRules.IsValidText(text, out string reason), why);
        Assert.False(string.IsNullOrEmpty(reason), why);
        Assert.False(TextRules.IsValidText(Sequences.OneBytePerSegment(text), out _), $"{why} (segmented)");
        Assert.False(TextRules.IsValidText(new ReadOnlySequence<byte>(text), out _), $"{why} (single segment)");
    }

    [Fact]
    public void EveryAsciiControlButLfAndTabIsRefused()
    {
        for (int c = 0; c < 0x20; c++)
        {
            bool allowed = c is '\n' or '\t';
            Assert.True(allowed == TextRules.IsValidText([(byte)'a', (byte)c, (byte)'b'], out _), $"U+{c:X4}");
        }
        Assert.False(TextRules.IsValidText([0x7F], out _));
        for (int c = 0x80; c <= 0x9F; c++) Assert.False(TextRules.IsValidText(Sequences.Utf8(((char)c).ToString()), out _), $"U+{c:X4}");
        for (int c = 0xA0; c <= 0xFF; c++) Assert.True(TextRules.IsValidText(Sequences.Utf8(((char)c).ToString()), out _), $"U+{c:X4}");
    }

    // ---- Nicks ----

    public static TheoryData<string, string> ValidNicks() => new()
    {
        // raw, normalized
        { "bob", "bob" },
        { "Bob_the-2nd.", "Bob_the-2nd." },
        { "João", "João" },
        { "Joa\u0303o", "João" }, // NFD in, NFC out
        { "漢字", "漢字" },
        { "Ωmega", "Ωmega" },
        { "_", "_" },
        { "-dash", "-dash" },
        { "a", "a" },
        { new string('x', 32), new string('x', 32) },
        { new string('漢', 32), new string('漢', 32) },
        { "e" + new string('\u0301', 1) + new string('y', 31), "é" + new string('y', 31) }, // 33 chars in, 32 after NFC
        { "x2", "x2" },
        { "nai\u0308ve", "naïve" },
        { "a\u0308\u0301", "ä\u0301" }, // a mark that does not compose still counts as a mark
        { "किताब", "किताब" }, // U+093F and U+093E are spacing combining marks
    };

    public static TheoryData<string, string> InvalidNicks() => new()
    {
        { "empty", "" },
        { "33 characters", new string('x', 33) },
        { "33 CJK characters", new string('漢', 33) },
        { "very long", new string('x', 10_000) },
        { "starts with a digit", "2pac" },
        { "starts with a non-ASCII digit", "٣bob" },
        { "starts with #", "#bob" },
        { "starts with a mark", "\u0303bob" },
        { "space inside", "bob smith" },
        { "leading space", " bob" },
        { "trailing space", "bob " },
        { "star", "*" },
        { "colon", ":bob" },
        { "at sign", "bob@host" },
        { "comma", "a,b" },
        { "bidi override U+202E", "bob\u202Eevil" },
        { "zero-width space", "bo\u200Bb" },
        { "zero-width joiner", "bo\u200Db" },
        { "emoji", "bob👍" },
        { "emoji alone", "👍🏽" },
        { "NUL", "bob\0" },
        { "ESC", "bob\u001b" },
        { "tab", "bob\t" },
        { "C1", "bob\u0085" },
        { "lone surrogate", "bob\uD800" },
        { "NBSP", "bob\u00A0" },
        { "symbol", "bob™" },
    };

    [Theory]
    [MemberData(nameof(ValidNicks))]
    public void ValidNickIsNormalizedToNfc(string raw, string expected)
    {
        Assert.True(TextRules.TryNormalizeNick(raw, out string nick, out string reason), reason);
        Assert.Equal(expected, nick);
        Assert.True(nick.IsNormalized(NormalizationForm.FormC));
    }

    [Theory]
    [MemberData(nameof(InvalidNicks))]
    public void InvalidNickIsRefusedWithAReason(string why, string raw)
    {
        Assert.False(TextRules.TryNormalizeNick(raw, out string nick, out string reason), why);
        Assert.Equal("", nick);
        Assert.False(string.IsNullOrEmpty(reason), why);
    }

    [Fact]
    public void NfdAndNfcSpellingsAreTheSameNick()
    {
        Assert.True(TextRules.TryNormalizeNick("Joa\u0303o", out string fromNfd, out _));
        Assert.True(TextRules.TryNormalizeNick("Jo\u00e3o", out string fromNfc, out _));

        Assert.Equal("Jo\u00e3o", fromNfd);
        Assert.Equal(fromNfc, fromNfd);
        Assert.Equal(TextRules.Key(fromNfc), TextRules.Key(fromNfd));
    }

    [Theory]
    [InlineData("João", "joão")]
    [InlineData("JOÃO", "joão")]
    [InlineData("Bob", "bOB")]
    [InlineData("Ωmega", "ωMEGA")]
    [InlineData("Joa\u0303o", "JO\u00c3O")]
    public void NicksDifferingOnlyInCaseHaveTheSameKey(string a, string b)
    {
        Assert.True(TextRules.TryNormalizeNick(a, out string na, out _));
        Assert.True(TextRules.TryNormalizeNick(b, out string nb, out _));
        Assert.Equal(TextRules.Key(na), TextRules.Key(nb));
    }

    [Theory]
    [InlineData("bob", "bob2")]
    [InlineData("João", "Joao")]
    [InlineData("bob", "b.ob")]
    public void DifferentNicksHaveDifferentKeys(string a, string b)
    {
        Assert.NotEqual(TextRules.Key(a), TextRules.Key(b));
    }

    [Fact]
    public void NickLengthIsCountedInCharactersAfterNormalization()
    {
        Assert.True(TextRules.TryNormalizeNick(new string('ã', 32), out _, out _));
        Assert.True(TextRules.TryNormalizeNick(string.Concat(Enumerable.Repeat("a\u0303", 32)), out string nfc, out _));
        Assert.Equal(32, nfc.Length);
        Assert.False(TextRules.TryNormalizeNick(string.Concat(Enumerable.Repeat("a\u0303", 33)), out _, out _));
        Assert.True(TextRules.TryNormalizeNick(string.Concat(Enumerable.Repeat("𝒜", 32)), out _, out _)); // outside the BMP: 64 UTF-16 chars
        Assert.False(TextRules.TryNormalizeNick(string.Concat(Enumerable.Repeat("𝒜", 33)), out _, out _));
    }

    // ---- Rooms ----

    public static TheoryData<string, string> ValidRooms() => new()
    {
        { "#lobby", "#lobby" },
        { "#a", "#a" },
        { "#1", "#1" },
        { "#dev-ops_2.0", "#dev-ops_2.0" },
        { "#漢字", "#漢字" },
        { "#Joa\u0303o", "#João" },
        { "#" + new string('r', 49), "#" + new string('r', 49) },
    };

    public static TheoryData<string, string> InvalidRooms() => new()
    {
        { "empty", "" },
        { "just #", "#" },
        { "no #", "lobby" },
        { "two #", "##lobby" },
        { "50 characters", "#" + new string('r', 50) },
        { "space", "#the lobby" },
        { "comma", "#a,#b" },
        { "emoji", "#👍" },
        { "bidi override", "#lobby\u202E" },
        { "control", "#lobby\u0007" },
        { "starts with a mark", "#\u0303lobby" },
        { "colon", "#:x" },
    };

    [Theory]
    [MemberData(nameof(ValidRooms))]
    public void ValidRoomIsNormalizedToNfc(string raw, string expected)
    {
        Assert.True(TextRules.TryNormalizeRoom(raw, out string room, out string reason), reason);
        Assert.Equal(expected, room);
        Assert.True(TextRules.IsRoomName(room));
    }

    [Theory]
    [MemberData(nameof(InvalidRooms))]
    public void InvalidRoomIsRefusedWithAReason(string why, string raw)
    {
        Assert.False(TextRules.TryNormalizeRoom(raw, out string room, out string reason), why);
        Assert.Equal("", room);
        Assert.False(string.IsNullOrEmpty(reason), why);
    }

    [Fact]
    public void RoomsDifferingOnlyInCaseHaveTheSameKey()
    {
        Assert.True(TextRules.TryNormalizeRoom("#Lobby", out string a, out _));
        Assert.True(TextRules.TryNormalizeRoom("#LOBBY", out string b, out _));
        Assert.Equal(TextRules.Key(a), TextRules.Key(b));
    }

    [Fact]
    public void NicksAreNotRoomNames()
    {
        Assert.False(TextRules.IsRoomName("bob"));
        Assert.True(TextRules.IsRoomName("#lobby"));
    }
}
