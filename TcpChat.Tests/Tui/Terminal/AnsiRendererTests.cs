using TcpChat.Tui.Terminal;

namespace TcpChat.Tests.Tui.Terminal;

public class AnsiRendererTests
{
    private const string Clear = "\e[0m\e[2J";
    private const string HideCursor = "\e[?25l";
    private static readonly Style Red = Style.Default.Fg(Color.Red);
    private static readonly Style Bold = Style.Default.Add(TextAttributes.Bold);

    // A renderer that has already drawn a blank frame of the given size, so tests see only the diff.
    private static (AnsiRenderer Renderer, ScreenBuffer Buffer) Drawn(int width, int height, bool noColor = false)
    {
        var renderer = new AnsiRenderer(noColor);
        var buffer = new ScreenBuffer(width, height);
        Assert.Equal(Clear + HideCursor, renderer.Render(buffer));
        return (renderer, buffer);
    }

    [Fact]
    public void FirstFrameClearsTheScreenAndDrawsOnlyNonBlankCells()
    {
        var buffer = new ScreenBuffer(5, 2);
        buffer.SetString(0, 0, "hi", Style.Default);
        buffer.SetString(3, 1, "x", Style.Default);

        Assert.Equal(Clear + "\e[1;1Hhi\e[2;4Hx" + HideCursor, new AnsiRenderer().Render(buffer));
    }

    [Fact]
    public void OnlyChangedCellsAreWritten()
    {
        var (renderer, buffer) = Drawn(5, 2);
        buffer.SetString(0, 0, "hello", Style.Default);
        renderer.Render(buffer);

        buffer.SetString(3, 1, "x", Style.Default);
        buffer.SetString(1, 0, "a", Style.Default);
        Assert.Equal("\e[1;2Ha\e[2;4Hx", renderer.Render(buffer));
    }

    [Fact]
    public void UnchangedFrameWritesNothing()
    {
        var (renderer, buffer) = Drawn(5, 2);
        buffer.SetString(0, 0, "hello", Red);
        renderer.Render(buffer);
        Assert.Equal("", renderer.Render(buffer));
    }

    [Fact]
    public void CursorIsNotMovedWhenAlreadyAtTheNextCell()
    {
        var (renderer, buffer) = Drawn(10, 1);
        buffer.SetString(2, 0, "ab", Style.Default);
        buffer.SetString(5, 0, "c", Style.Default);
        Assert.Equal("\e[1;3Hab\e[1;6Hc", renderer.Render(buffer));
    }

    [Fact]
    public void StyleIsEmittedOnlyWhenItChanges()
    {
        var (renderer, buffer) = Drawn(10, 2);
        buffer.SetString(0, 0, "ab", Red);
        buffer.SetString(2, 0, "c", Bold);
        buffer.SetString(0, 1, "d", Bold);
        buffer.SetString(1, 1, "e", Style.Default);

        Assert.Equal("\e[1;1H\e[0;31mab\e[0;1mc\e[2;1Hd\e[0me", renderer.Render(buffer));
    }

    [Fact]
    public void FrameEndsInTheDefaultStyle()
    {
        var (renderer, buffer) = Drawn(3, 1);
        buffer.SetString(0, 0, "a", Red);
        Assert.Equal("\e[1;1H\e[0;31ma\e[0m", renderer.Render(buffer));
    }

    [Fact]
    public void ColoursAndAttributesMapToSgrCodes()
    {
        var (renderer, buffer) = Drawn(3, 1);
        var style = new Style(Color.BrightRed, Color.Indexed(236), TextAttributes.Underline | TextAttributes.Dim | TextAttributes.Italic);
        buffer.SetString(0, 0, "a", style);
        buffer.SetString(1, 0, "b", Style.Default.Bg(Color.Blue).Fg(Color.Indexed(9)).Add(TextAttributes.Reverse));

        Assert.Equal("\e[1;1H\e[0;2;3;4;91;48;5;236ma\e[0;7;38;5;9;44mb\e[0m", renderer.Render(buffer));
    }

    [Fact]
    public void NoColorDropsColoursButKeepsAttributes()
    {
        var (renderer, buffer) = Drawn(4, 1, noColor: true);
        buffer.SetString(0, 0, "a", Red.Add(TextAttributes.Bold | TextAttributes.Reverse));
        buffer.SetString(1, 0, "b", Red.Bg(Color.Green).Add(TextAttributes.Underline | TextAttributes.Dim));
        buffer.SetString(2, 0, "c", Red); // only a colour: nothing left to emit but the reset

        Assert.Equal("\e[1;1H\e[0;1;7ma\e[0;2;4mb\e[0mc", renderer.Render(buffer));
    }

    [Fact]
    public void CursorIsPlacedExplicitlyAfterAnEmojiSequenceWhoseWidthTerminalsDisagreeOn()
    {
        var (renderer, buffer) = Drawn(6, 1);
        buffer.SetString(0, 0, "x👍🏽y", Style.Default);
        Assert.Equal("\e[1;1Hx👍🏽\e[1;4Hy", renderer.Render(buffer));
    }

    [Fact]
    public void RowThatHeldAnEmojiSequenceIsRewrittenToItsEndWhenItChanges()
    {
        var (renderer, buffer) = Drawn(6, 2);
        buffer.SetString(0, 0, "👍🏽", Style.Default);
        buffer.SetString(0, 1, "ok", Style.Default);
        renderer.Render(buffer);

        buffer.Clear();
        buffer.SetString(0, 1, "ok", Style.Default);
        // Row 0 is written in full, blanks included, clearing whatever the terminal drew for the emoji; row 1 is untouched.
        Assert.Equal("\e[1;1H      ", renderer.Render(buffer));
    }

    [Fact]
    public void WideCharAdvancesTheCursorByTwoAndItsContinuationIsNotWritten()
    {
        var (renderer, buffer) = Drawn(6, 1);
        buffer.SetString(0, 0, "漢x👍y", Style.Default);
        Assert.Equal("\e[1;1H漢x👍y", renderer.Render(buffer));

        buffer.SetString(2, 0, "z", Style.Default);
        Assert.Equal("\e[1;3Hz", renderer.Render(buffer));
    }

    [Fact]
    public void ReplacingAWideCharWithNarrowOnesRewritesBothColumns()
    {
        var (renderer, buffer) = Drawn(4, 1);
        buffer.SetString(0, 0, "漢", Style.Default);
        renderer.Render(buffer);

        buffer.SetString(0, 0, "a", Style.Default); // the buffer blanks the orphaned second half
        Assert.Equal("\e[1;1Ha ", renderer.Render(buffer));
    }

    [Fact]
    public void CursorIsPlacedAndShownAfterTheFrameOnlyWhenNeeded()
    {
        var (renderer, buffer) = Drawn(5, 2);
        buffer.SetString(0, 1, ">", Style.Default);
        renderer.SetCursor(1, 1);
        Assert.Equal("\e[2;1H>\e[?25h", renderer.Render(buffer)); // already at the caret after ">"

        Assert.Equal("", renderer.Render(buffer));

        buffer.SetString(0, 0, "z", Style.Default);
        Assert.Equal("\e[1;1Hz\e[2;2H", renderer.Render(buffer));

        renderer.HideCursor();
        Assert.Equal(HideCursor, renderer.Render(buffer));
    }

    [Fact]
    public void CursorOutsideTheFrameIsHidden()
    {
        var (renderer, buffer) = Drawn(5, 2);
        renderer.SetCursor(5, 0);
        Assert.Equal("", renderer.Render(buffer));
    }

    [Fact]
    public void InvalidateRedrawsEverythingAfterClearing()
    {
        var (renderer, buffer) = Drawn(4, 1);
        buffer.SetString(0, 0, "ab", Style.Default);
        renderer.Render(buffer);

        renderer.Invalidate();
        Assert.Equal(Clear + "\e[1;1Hab" + HideCursor, renderer.Render(buffer));
    }

    [Fact]
    public void ANewSizeRedrawsEverythingAfterClearing()
    {
        var (renderer, buffer) = Drawn(4, 1);
        buffer.SetString(0, 0, "ab", Style.Default);
        renderer.Render(buffer);

        buffer.Resize(3, 2);
        buffer.SetString(0, 1, "c", Style.Default);
        Assert.Equal(Clear + "\e[2;1Hc" + HideCursor, renderer.Render(buffer));
    }

    [Fact]
    public void StyledBlankCellsAreDrawnOnAFullRedraw()
    {
        var buffer = new ScreenBuffer(3, 1);
        buffer.Fill(new Rect(0, 0, 2, 1), Cell.Space(Style.Default.Add(TextAttributes.Reverse)));
        Assert.Equal(Clear + "\e[1;1H\e[0;7m  \e[0m" + HideCursor, new AnsiRenderer().Render(buffer));
    }

    [Fact]
    public void WritingTheLastColumnForgetsTheCursorPosition()
    {
        var (renderer, buffer) = Drawn(3, 2);
        buffer.SetString(0, 0, "abc", Style.Default);
        renderer.SetCursor(0, 1);
        // After 'c' the terminal is in its pending-wrap state, so the caret gets an explicit move.
        Assert.Equal("\e[1;1Habc\e[2;1H\e[?25h", renderer.Render(buffer));
    }
}
