using TcpChat.Tui.Views;

namespace TcpChat.Tests.Tui.Views;

public class TextWrapTests
{
    [Fact]
    public void WrapsAtSpacesAndDropsTheSpaceAtTheBreak() =>
        Assert.Equal(["the quick", "brown fox", "jumps"], TextWrap.Wrap("the quick brown fox jumps", 10));

    [Fact]
    public void TextThatFitsIsOneLine() =>
        Assert.Equal(["hello  world"], TextWrap.Wrap("hello  world", 20));

    [Fact]
    public void EmptyTextIsOneEmptyLine() =>
        Assert.Equal([""], TextWrap.Wrap("", 10));

    [Fact]
    public void NewlinesAreHardBreaks() =>
        Assert.Equal(["one", "", "two", "three"], TextWrap.Wrap("one\n\r\ntwo\rthree", 10));

    [Fact]
    public void LongWordIsBrokenByGraphemeOnItsOwnLine() =>
        Assert.Equal(["see", "https://ex", "ample.com/", "x ok"], TextWrap.Wrap("see https://example.com/x ok", 10));

    [Fact]
    public void WideGraphemeThatDoesNotFitMovesToTheNextLine() =>
        Assert.Equal(["漢字", "漢字", "漢"], TextWrap.Wrap("漢字漢字漢", 5));

    [Fact]
    public void ClustersAreNeverSplit()
    {
        var lines = TextWrap.Wrap("👨‍👩‍👧👍🏽🇵🇹a\u0303a\u0303", 4);
        Assert.Equal(["👨‍👩‍👧👍🏽", "🇵🇹a\u0303a\u0303"], lines);
        Assert.All(lines, l => Assert.True(DisplayWidth.Of(l) <= 4));
    }

    [Fact]
    public void WideGraphemeInAOneColumnWrapTakesALineOfItsOwn() =>
        Assert.Equal(["a", "漢", "b"], TextWrap.Wrap("a漢b", 1));

    [Fact]
    public void MixedWideAndNarrowWordsWrapByColumns() =>
        Assert.Equal(["olá 漢字", "ação 👍🏽"], TextWrap.Wrap("olá 漢字 ação 👍🏽", 8));

    [Fact]
    public void EveryLineFitsTheWidth()
    {
        const string text = "Olá João, a reunião é às 10h 漢字 👨‍👩‍👧 https://example.com/a/very/long/path ok";
        for (int width = 2; width <= 30; width++)
            Assert.All(TextWrap.Wrap(text, width), line => Assert.True(DisplayWidth.Of(line) <= width, $"'{line}' > {width}"));
    }
}
