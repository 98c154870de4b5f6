using System.Text;
using TcpChat.Tui.Views;

namespace TcpChat.Tests.Tui.Views;

public class DisplayWidthTests
{
    [Theory]
    [InlineData("João", 4)]
    [InlineData("ação", 4)]
    [InlineData("a\u0303c\u0327a\u0303o", 4)] // "ação" in NFD: combining tilde and cedilla
    [InlineData("漢字", 4)]
    [InlineData("👍🏽", 2)]                     // thumbs up + skin tone modifier
    [InlineData("🇵🇹", 2)]                      // regional indicator pair
    [InlineData("👨‍👩‍👧", 2)]                     // ZWJ family sequence
    [InlineData("❤️", 1)]                       // text-default heart + VS16: Terminal.Gui counts the base (1), and so do we
    [InlineData("1️⃣", 1)]                       // keycap sequence, likewise
    [InlineData("한국어", 6)]
    [InlineData("\u1100\u1161\u11A8", 2)]       // Hangul syllable as decomposed jamo
    [InlineData("ＡＢ", 4)]                       // fullwidth forms
    [InlineData("hello world", 11)]
    [InlineData("", 0)]
    public void MeasuresStringsInTerminalColumns(string text, int expected) =>
        Assert.Equal(expected, DisplayWidth.Of(text));

    [Fact]
    public void NfcAndNfdMeasureTheSame() =>
        Assert.Equal(DisplayWidth.Of("ação".Normalize(NormalizationForm.FormC)), DisplayWidth.Of("ação".Normalize(NormalizationForm.FormD)));

    [Theory]
    [InlineData("\u0303", 0)] // lone combining mark
    [InlineData("\u200D", 0)] // ZWJ
    [InlineData("\u200C", 0)] // ZWNJ
    [InlineData("\uFE0F", 0)] // lone variation selector
    [InlineData("\u200B", 0)] // zero width space
    public void ZeroWidthCodePointsTakeNoColumn(string grapheme, int expected) =>
        Assert.Equal(expected, DisplayWidth.OfGrapheme(grapheme));

    [Fact]
    public void ControlCharactersDoNotCrashAndTakeNoColumn()
    {
        Assert.Equal(0, DisplayWidth.Of("\u0007\u001b\u0000\u009b"));
        Assert.Equal(2, DisplayWidth.Of("a\tb"));
    }

    [Fact]
    public void LoneSurrogateCountsAsReplacementCharacter() =>
        Assert.Equal(2, DisplayWidth.Of("a\uD800"));

    [Fact]
    public void GraphemesKeepClustersWhole() =>
        Assert.Equal(["a\u0303", "👍🏽", "🇵🇹", "👨‍👩‍👧", "x"], DisplayWidth.Graphemes("a\u0303👍🏽🇵🇹👨‍👩‍👧x"));

    [Theory]
    [InlineData("João Silva", 4, "João")]
    [InlineData("漢字漢字", 3, "漢")]     // the second ideograph would straddle the limit
    [InlineData("👨‍👩‍👧👍🏽", 3, "👨‍👩‍👧")]
    [InlineData("abc", 10, "abc")]
    [InlineData("abc", 0, "")]
    public void TruncateCutsByWholeGraphemes(string text, int width, string expected) =>
        Assert.Equal(expected, DisplayWidth.Truncate(text, width));

    [Theory]
    [InlineData("alexandra", 6, "alexa…")]
    [InlineData("漢字漢字", 6, "漢字…")]
    [InlineData("short", 6, "short")]
    public void TruncateWithEllipsisStillFits(string text, int width, string expected)
    {
        string result = DisplayWidth.Truncate(text, width, "…");
        Assert.Equal(expected, result);
        Assert.True(DisplayWidth.Of(result) <= width);
    }

    [Fact]
    public void SplitAtNeverSplitsAGrapheme()
    {
        Assert.Equal(("a\u0303", "b"), DisplayWidth.SplitAt("a\u0303b", 1));
        Assert.Equal(("x", "🇵🇹"), DisplayWidth.SplitAt("x🇵🇹", 2));
    }

    [Theory]
    [InlineData("João")]
    [InlineData("漢字")]
    [InlineData("👍🏽")]
    [InlineData("❤️")]
    [InlineData("1️⃣")]
    [InlineData("a\u00ADb")]   // soft hyphen
    [InlineData("e\u0301")]
    [InlineData("🇵🇹")]
    [InlineData("👨\u200D👩\u200D👧")]
    public void WhatTheClientMeasuresIsWhereTheDriverDrawsTheNextCharacter(string text)
    {
        var screen = TuiScreen.Of(() => new Probe(text + "|"), 20, 1);
        int column = Enumerable.Range(0, screen.Width).First(x => screen[x, 0].Symbol == "|");
        Assert.Equal(DisplayWidth.Of(text), column);
    }

    private sealed class Probe(string text) : Terminal.Gui.ViewBase.View
    {
        protected override bool OnDrawingContent(Terminal.Gui.ViewBase.DrawContext? context)
        {
            Move(0, 0);
            AddStr(text);
            return true;
        }
    }

    [Fact]
    public void PrintableAsciiMeasuresAsTheToolkitDoes()
    {
        // The fast path for ASCII must agree with the toolkit's own measure, char by char and in strings.
        for (char c = ' '; c <= '~'; c++)
            Assert.Equal(Terminal.Gui.Text.StringExtensions.GetColumns(c.ToString()), DisplayWidth.Of(c.ToString()));
        string all = string.Concat(Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c));
        Assert.Equal(Terminal.Gui.Text.StringExtensions.GetColumns(all), DisplayWidth.Of(all));
    }

    [Theory]
    [InlineData("e\u0301", 1)]        // e + combining acute: one grapheme, one column, not two
    [InlineData("Joa\u0303o", 4)]     // João decomposed
    [InlineData("ab\u200B", 2)]       // a zero-width space after ASCII
    [InlineData("a漢b", 4)]
    [InlineData("ok👍🏽", 4)]
    public void AsciiBeforeACombiningOrWideCharIsMeasuredWithIt(string text, int expected)
    {
        Assert.Equal(expected, DisplayWidth.Of(text));
        Assert.Equal(text.Length, DisplayWidth.PrefixLength(text, expected, out int width));
        Assert.Equal(expected, width);
    }
}
