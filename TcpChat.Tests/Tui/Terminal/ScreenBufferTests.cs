using TcpChat.Tui.Terminal;

namespace TcpChat.Tests.Tui.Terminal;

public class ScreenBufferTests
{
    private static readonly Style Red = Style.Default.Fg(Color.Red);

    [Fact]
    public void SetStringWritesGraphemesAndReturnsColumnsUsed()
    {
        var buffer = new ScreenBuffer(12, 2);
        Assert.Equal(4, buffer.SetString(0, 0, "ação", Red));
        Assert.Equal(8, buffer.SetString(0, 1, "漢字👍🏽🇵🇹", Red));

        BufferAssert.Lines(buffer, "ação", "漢字👍🏽🇵🇹");
        Assert.Equal("a", buffer.Get(0, 0).Symbol);
        Assert.Equal("ç", buffer.Get(1, 0).Symbol);
        Assert.Equal(Red, buffer.Get(3, 0).Style);
    }

    [Fact]
    public void NfdTextKeepsCombiningMarkInTheBaseCell()
    {
        var buffer = new ScreenBuffer(5, 1);
        Assert.Equal(2, buffer.SetString(0, 0, "a\u0303o", Style.Default));
        Assert.Equal("a\u0303", buffer.Get(0, 0).Symbol);
        Assert.Equal("o", buffer.Get(1, 0).Symbol);
    }

    [Fact]
    public void WideGraphemeOccupiesAHeadAndAContinuationCell()
    {
        var buffer = new ScreenBuffer(4, 1);
        buffer.SetString(0, 0, "漢", Red);
        Assert.True(buffer.Get(0, 0).IsWide);
        Assert.True(buffer.Get(1, 0).IsContinuation);
        Assert.Equal(Red, buffer.Get(1, 0).Style);
        Assert.Equal("", buffer.Get(1, 0).Symbol);
    }

    [Fact]
    public void WideGraphemeAtRightEdgeIsReplacedBySpace()
    {
        var buffer = new ScreenBuffer(5, 1);
        buffer.Fill(buffer.Area, new Cell("."));
        Assert.Equal(5, buffer.SetString(0, 0, "ab漢字", Red));

        BufferAssert.Lines(buffer, "ab漢");
        Assert.Equal(Cell.Space(Red), buffer.Get(4, 0));
    }

    [Fact]
    public void WideGraphemeAtMaxWidthLimitIsReplacedBySpace()
    {
        var buffer = new ScreenBuffer(10, 1);
        buffer.Fill(buffer.Area, new Cell("."));
        Assert.Equal(3, buffer.SetString(1, 0, "a漢字", Style.Default, maxWidth: 2 + 1));
        BufferAssert.Lines(buffer, ".a漢......");

        Assert.Equal(2, buffer.SetString(0, 0, "x漢", Style.Default, maxWidth: 2));
        BufferAssert.Lines(buffer, "x 漢......");
    }

    [Fact]
    public void WritingIsClippedAtTheRightEdgeAndOutsideTheBuffer()
    {
        var buffer = new ScreenBuffer(4, 1);
        Assert.Equal(4, buffer.SetString(0, 0, "abcdef", Style.Default));
        Assert.Equal(0, buffer.SetString(0, 1, "zzz", Style.Default));
        Assert.Equal(0, buffer.SetString(-1, 0, "zzz", Style.Default));
        Assert.Equal(0, buffer.SetString(4, 0, "zzz", Style.Default));
        BufferAssert.Lines(buffer, "abcd");
    }

    [Fact]
    public void OverwritingTheSecondHalfOfAWideCharClearsTheFirst()
    {
        var buffer = new ScreenBuffer(4, 1);
        buffer.SetString(0, 0, "漢字", Red);
        buffer.SetString(1, 0, "x", Style.Default);

        BufferAssert.Lines(buffer, " x字");
        Assert.Equal(Cell.Space(Red), buffer.Get(0, 0));
    }

    [Fact]
    public void OverwritingTheFirstHalfOfAWideCharClearsTheSecond()
    {
        var buffer = new ScreenBuffer(4, 1);
        buffer.SetString(0, 0, "漢字", Red);
        buffer.SetString(2, 0, "y", Style.Default);

        BufferAssert.Lines(buffer, "漢y");
        Assert.False(buffer.Get(3, 0).IsContinuation);
        Assert.Equal(Cell.Space(Red), buffer.Get(3, 0));
    }

    [Fact]
    public void WideCharWrittenOverAnotherWideCharAtAnOffsetLeavesNoOrphans()
    {
        var buffer = new ScreenBuffer(6, 1);
        buffer.SetString(0, 0, "漢字", Style.Default);
        buffer.SetString(1, 0, "👍", Style.Default);

        BufferAssert.Lines(buffer, " 👍");
        Assert.True(buffer.Get(1, 0).IsWide);
        Assert.True(buffer.Get(2, 0).IsContinuation);
        Assert.False(buffer.Get(3, 0).IsContinuation);
    }

    [Fact]
    public void ZeroWidthAndControlGraphemesAreSkipped()
    {
        var buffer = new ScreenBuffer(6, 1);
        Assert.Equal(3, buffer.SetString(0, 0, "\u0303a\u001bb\tc", Style.Default));
        BufferAssert.Lines(buffer, "abc");
    }

    [Fact]
    public void FillCoversTheIntersectionOnly()
    {
        var buffer = new ScreenBuffer(4, 3);
        buffer.Fill(new Rect(2, 1, 10, 10), new Cell("#"));
        BufferAssert.Lines(buffer, "", "  ##", "  ##");
    }

    [Fact]
    public void FillWithAWideCellPadsAnOddColumnWithSpace()
    {
        var buffer = new ScreenBuffer(5, 1);
        buffer.Fill(buffer.Area, new Cell("漢"));
        BufferAssert.Lines(buffer, "漢漢");
        Assert.Equal(Cell.Blank, buffer.Get(4, 0));
    }

    [Fact]
    public void SetStyleKeepsTextAndWideCells()
    {
        var buffer = new ScreenBuffer(4, 1);
        buffer.SetString(0, 0, "a漢", Style.Default);
        var reverse = Style.Default.Add(TextAttributes.Reverse);
        buffer.SetStyle(buffer.Area, reverse);

        BufferAssert.Lines(buffer, "a漢");
        Assert.True(buffer.Get(2, 0).IsContinuation);
        Assert.All(Enumerable.Range(0, 4), x => Assert.Equal(reverse, buffer.Get(x, 0).Style));
    }

    [Fact]
    public void ResizeClearsAndChangesTheArea()
    {
        var buffer = new ScreenBuffer(3, 1);
        buffer.SetString(0, 0, "abc", Style.Default);
        buffer.Resize(5, 2);
        Assert.Equal(new Rect(0, 0, 5, 2), buffer.Area);
        BufferAssert.Lines(buffer, "", "");
    }

    [Fact]
    public void RowTextCanKeepTrailingSpaces()
    {
        var buffer = new ScreenBuffer(4, 1);
        buffer.SetString(0, 0, "ab", Style.Default);
        Assert.Equal("ab", buffer.RowText(0));
        Assert.Equal("ab  ", buffer.RowText(0, trimEnd: false));
        Assert.Equal("ab", buffer.ToText());
    }

    [Fact]
    public void GetOutsideTheBufferThrows() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScreenBuffer(2, 2).Get(2, 0));

    [Fact]
    public void ZeroWidthCellBecomesASpace()
    {
        Assert.Equal(" ", new Cell("\u0303").Symbol);
        Assert.Equal(Cell.Blank, new Cell("\u200D"));
    }
}
