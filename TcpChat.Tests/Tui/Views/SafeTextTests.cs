using TcpChat.Tui.App;
using TcpChat.Tui.Views;
using static TcpChat.Tests.Tui.Views.ViewTestKit;

namespace TcpChat.Tests.Tui.Views;

public class SafeTextTests
{
    [Theory]
    [InlineData("\u001b[2J", "^[[2J")]
    [InlineData("a\u0000b", "a^@b")]
    [InlineData("x\ry", "x^My")]
    [InlineData("bell\u0007", "bell^G")]
    [InlineData("del\u007f", "del^?")]
    [InlineData("\u009b31m", "<U+009B>31m")]
    [InlineData("abc\u202Edef", "abc<U+202E>def")]
    [InlineData("\u2066iso\u2069", "<U+2066>iso<U+2069>")]
    [InlineData("one\ntwo", "one^Jtwo")]
    [InlineData("a\tb", "a   b")]
    [InlineData("João 漢字 👍🏽", "João 漢字 👍🏽")]
    public void ControlsBecomeVisiblePlaceholders(string raw, string shown) =>
        Assert.Equal(shown, SafeText.Sanitize(raw));

    [Fact]
    public void SafeTextIsReturnedAsIs()
    {
        string text = "plain text";
        Assert.Same(text, SafeText.Sanitize(text));
        Assert.Equal("", SafeText.Sanitize(null));
    }

    [Fact]
    public void SegmentsMarkPlaceholdersAndKeepNewlinesWhenAsked()
    {
        var segments = SafeText.Segments("a\u001bb\nc", keepNewlines: true).ToList();
        Assert.Equal([("a", false), ("^[", true), ("b", false), ("\n", false), ("c", false)], segments);
    }

    [Fact]
    public void TabsGoToTheNextStopOfTheirLine()
    {
        Assert.Equal("ab  c", SafeText.Sanitize("ab\tc"));
        Assert.Equal("abcd    e", SafeText.Sanitize("abcd\te"));
        var segments = SafeText.Segments("x\n\ty", keepNewlines: true).Select(s => s.Text);
        Assert.Equal(["x", "\n", "    y"], segments);
    }

    [Fact]
    public void AHostileMessageDrawsNoControlCharacterIntoTheBuffer()
    {
        string hostile = "\u001b[2J\u001b]0;pwned\u0007 \u009b31m red \r over\u0000 \u202Egnp.exe \u007f \u0085 end";
        var state = Lobby(Msg("evil\u001b[5m", hostile), Line(LineKind.Info, null, hostile));
        state.Current.SetUsers(["me", "evil\u001b[5m"]);
        state.GetOrAddRoom("#x\u001b]0;t\u0007");
        var buffer = TuiScreen.Chat(state, 80, 12);

        NoControlCharacters(buffer);
        string screen = buffer.Text;
        Assert.Contains("^[[2J^[]0;pwned^G", screen);
        Assert.Contains("<U+009B>31m", screen);
        Assert.Contains("^M over^@", screen);
        Assert.Contains("<U+202E>gnp.exe", screen);
        Assert.Contains("evil^[[5m", screen);
        Assert.Contains("#x^[]0;t^G", screen);
    }

    [Fact]
    public void PlaceholdersAreDrawnInReverseVideo()
    {
        var state = Lobby(Msg("bob", "a\u001bb"));
        var buffer = TuiScreen.Chat(state, 60, 10);
        int x = ColumnOf(buffer, 1, "a^[b");
        Assert.True(x > 0);
        Assert.False(buffer[x, 1].Style.Has(TextAttributes.Reverse));
        Assert.True(buffer[x + 1, 1].Style.Has(TextAttributes.Reverse));
        Assert.True(buffer[x + 2, 1].Style.Has(TextAttributes.Reverse));
        Assert.False(buffer[x + 3, 1].Style.Has(TextAttributes.Reverse));
    }

    [Theory]
    [InlineData("a\u200Bb", "a<U+200B>b")]          // zero-width space
    [InlineData("a\u200Db", "a<U+200D>b")]          // a joiner between letters
    [InlineData("\u200Dx", "<U+200D>x")]
    [InlineData("a\u2060b\uFEFFc", "a<U+2060>b<U+FEFF>c")] // word joiner, BOM
    [InlineData("x\u200Ey\u200Fz\u061C", "x<U+200E>y<U+200F>z<U+061C>")] // bidi marks
    [InlineData("\u2066evil\u2069", "<U+2066>evil<U+2069>")] // isolates
    public void InvisibleAndBidiCharactersBecomePlaceholders(string text, string expected) =>
        Assert.Equal(expected, SafeText.Sanitize(text));

    [Theory]
    [InlineData("👨\u200D👩\u200D👧")]                  // a family: joiners between pictographs
    [InlineData("🏳\uFE0F\u200D🌈")]                    // VS16 then joiner
    [InlineData("👍🏽\u200D👍")]                         // skin tone then joiner
    [InlineData("می\u200Cخواهم")]                      // Persian: a non-joiner inside a word
    [InlineData("João 漢字 ação")]
    public void JoinersThatBuildEmojiOrWordsAreKept(string text) =>
        Assert.Equal(text, SafeText.Sanitize(text));
}
