using TcpChat.Tui.App;
using TcpChat.Tui.Views;
using static TcpChat.Tests.Tui.Views.ViewTestKit;

namespace TcpChat.Tests.Tui.Views;

public class MessagePaneViewTests
{
    private static TuiScreen Render(ChatState state, int width, int height) =>
        TuiScreen.Of(() => new MessagePaneView(state), width, height);

    [Fact]
    public void EachKindOfLineHasItsPrefix()
    {
        var state = Lobby(
            Msg("alice", "hello there", 9, 5),
            Line(LineKind.Action, "bob", "waves", 9, 6),
            Line(LineKind.Join, "carol", "carol joined #lobby", 9, 7),
            Line(LineKind.Info, null, "connected", 9, 8),
            Line(LineKind.Error, null, "NICK_IN_USE (NICK): taken", 9, 9));
        ScreenAssert.Lines(Render(state, 30, 7),
            "09:05 alice: hello there",
            "09:06 * bob waves",
            "09:07 -- carol joined #lobby",
            "09:08 -!- connected",
            "09:09 !! NICK_IN_USE (NICK):",
            "         taken",
            "");
    }

    [Fact]
    public void LongMessagesWrapWithContinuationIndentedToTheText()
    {
        var state = Lobby(Msg("alice", "the quick brown fox jumps over the lazy dog"));
        ScreenAssert.Lines(Render(state, 26, 5),
            "12:00 alice: the quick",
            "             brown fox",
            "             jumps over",
            "             the lazy dog",
            "");
    }

    [Fact]
    public void APrefixPastHalfTheWidthIndentsContinuationsByTwoAndLongNicksAreCut()
    {
        var state = Lobby(Msg("abcdefgh", "one two three four"));
        ScreenAssert.Lines(Render(state, 20, 2),
            "12:00 abc…: one two",
            "  three four");
    }

    [Fact]
    public void NewlinesInAMessageStartNewIndentedLines()
    {
        var state = Lobby(Msg("bob", "first\nsecond\n\nfourth"));
        ScreenAssert.Lines(Render(state, 30, 4),
            "12:00 bob: first",
            "           second",
            "",
            "           fourth");
    }

    [Fact]
    public void WideCharactersWrapWithoutSplitting()
    {
        var state = Lobby(Msg("bo", "漢字漢字漢字漢字 ok"));
        var buffer = Render(state, 21, 2);
        ScreenAssert.Lines(buffer,
            "12:00 bo: 漢字漢字漢",
            "          字漢字 ok");
        Assert.True(buffer[18, 0].IsWide);
        Assert.True(buffer[19, 0].IsContinuation);
        Assert.Equal(ScreenCell.Blank, buffer[20, 0]);
        Assert.Equal("字", buffer[10, 1].Symbol);
    }

    [Fact]
    public void AccentsAndEmojiLineUpByDisplayWidth()
    {
        var state = Lobby(Msg("João", "👍🏽 ok"), Msg("Joa\u0303o", "e\u0301 ok"), Msg("漢字", "ok"));
        var buffer = Render(state, 30, 3);
        ScreenAssert.Lines(buffer, // the driver keeps each grapheme composed (NFC): the decomposed ones read back composed
            "12:00 João: 👍🏽 ok",
            "12:00 Jo\u00E3o: \u00E9 ok",
            "12:00 漢字: ok");
        Assert.Equal("👍🏽", buffer[12, 0].Symbol);
        Assert.Equal(15, ColumnOf(buffer, 0, "ok"));
        Assert.Equal(14, ColumnOf(buffer, 1, "ok"));
        Assert.Equal(12, ColumnOf(buffer, 2, "ok"));
    }

    [Fact]
    public void TheNewestLinesAreShownWhenTheyDoNotAllFit()
    {
        var lines = Enumerable.Range(0, 10).Select(i => Msg("x", $"line {i}")).ToArray();
        ScreenAssert.Lines(Render(Lobby(lines), 30, 3),
            "12:00 x: line 7",
            "12:00 x: line 8",
            "12:00 x: line 9");
    }

    [Fact]
    public void ScrolledBackShowsOlderRowsAndAMoreBelowMarker()
    {
        var state = Lobby(Enumerable.Range(0, 10).Select(i => Msg("x", $"line {i}")).ToArray());
        state.Current.ScrollOffset = 3;
        ScreenAssert.Lines(Render(state, 30, 4),
            "12:00 x: line 4",
            "12:00 x: line 5",
            "12:00 x: line 6",
            "-- more below (3) --");
        Assert.Equal(30, state.LastPaneWidth);
        Assert.Equal(4, state.LastPaneHeight);
    }

    [Fact]
    public void ScrolledBackViewDoesNotMoveWhenMessagesArrive()
    {
        var state = Lobby(Enumerable.Range(0, 10).Select(i => Msg("x", $"line {i}")).ToArray());
        Render(state, 30, 4);
        state.PageUp();
        var before = Render(state, 30, 4).Lines.Take(3).ToArray();
        Assert.Equal(["12:00 x: line 4", "12:00 x: line 5", "12:00 x: line 6"], before);

        state.AddLine(state.Current, Msg("y", "new one"));
        state.AddLine(state.Current, Msg("y", "and a much longer one that wraps over rows"));
        var after = Render(state, 30, 4);
        Assert.Equal(before, after.Lines.Take(3));
        Assert.Equal("-- more below (5) --", after.Lines[3]);
    }

    [Fact]
    public void AtTheBottomNewMessagesScrollIntoView()
    {
        var state = Lobby(Enumerable.Range(0, 5).Select(i => Msg("x", $"line {i}")).ToArray());
        Render(state, 30, 2);
        state.AddLine(state.Current, Msg("y", "new"));
        ScreenAssert.Lines(Render(state, 30, 2), "12:00 x: line 4", "12:00 y: new");
    }

    [Fact]
    public void AnOffsetPastTheFirstLineIsClamped()
    {
        var state = Lobby(Msg("x", "one"), Msg("x", "two"), Msg("x", "three"), Msg("x", "four"));
        state.Current.ScrollOffset = 100;
        ScreenAssert.Lines(Render(state, 30, 3), "12:00 x: one", "12:00 x: two", "-- more below (2) --");
        Assert.Equal(2, state.Current.ScrollOffset);
    }

    [Fact]
    public void LinesThatAllFitNeverScroll()
    {
        var state = Lobby(Msg("x", "one"), Msg("x", "two"), Msg("x", "three"));
        state.Current.ScrollOffset = 100;
        ScreenAssert.Lines(Render(state, 30, 3), "12:00 x: one", "12:00 x: two", "12:00 x: three");
        Assert.Equal(0, state.Current.ScrollOffset);
    }

    [Fact]
    public void NickColoursAreStableAndIgnoreCase()
    {
        // FNV-1a (32-bit) of "alice" is 0x872213E7 = 2267157479; % 12 = 11: the last palette entry.
        Assert.Equal(Color.BrightCyan, Theme.NickColor("alice"));
        Assert.Equal(Theme.NickColor("alice"), Theme.NickColor("ALICE"));
        Assert.Equal(Theme.NickColor("João"), Theme.NickColor("joão"));
        var colours = new[] { "alice", "bob", "carol", "dave", "erin", "frank" }.Select(Theme.NickColor).Distinct().Count();
        Assert.True(colours >= 4, "nicks spread over the palette");

        var buffer = Render(Lobby(Msg("alice", "hi")), 30, 1);
        Assert.Equal(Theme.NickColor("alice"), buffer[6, 0].Style.Foreground);
        Assert.Equal(Theme.Time, buffer[0, 0].Style);
    }

    [Fact]
    public void MyOwnNickIsBold()
    {
        var buffer = Render(Lobby(Msg("me", "my words"), Msg("bob", "his")), 30, 2);
        Assert.True(buffer[6, 0].Style.Has(TextAttributes.Bold));
        Assert.False(buffer[6, 1].Style.Has(TextAttributes.Bold));
    }

    [Fact]
    public void LinesMentioningMeAreHighlighted()
    {
        var buffer = Render(Lobby(Msg("bob", "hey me, look"), Msg("bob", "nothing")), 30, 2);
        Assert.Equal(Theme.MentionNick, buffer[6, 0].Style);
        Assert.True(buffer[6, 0].Style.Has(TextAttributes.Reverse)); // visible without colour too
        Assert.NotEqual(Theme.MentionNick, buffer[6, 1].Style);
    }

    [Fact]
    public void SystemLinesAreDim()
    {
        var buffer = Render(Lobby(Line(LineKind.Quit, "bob", "bob quit (bye)")), 30, 1);
        for (int x = 0; x < 20; x++)
            Assert.True(buffer[x, 0].Style.Has(TextAttributes.Dim) || buffer[x, 0].Symbol == " ", $"column {x}");
        Assert.True(buffer[9, 0].Style.Has(TextAttributes.Dim));
    }

    [Fact]
    public void ErrorsStandOutInBoldRed()
    {
        var buffer = Render(Lobby(Line(LineKind.Error, null, "oops")), 30, 1);
        Assert.Equal(Theme.Error, buffer[9, 0].Style);
        Assert.True(Theme.Error.Has(TextAttributes.Bold));
    }

    [Fact]
    public void AZeroSizePaneDrawsNothing()
    {
        var state = Lobby(Msg("x", "hi"));
        foreach (var (width, height) in new[] { (0, 0), (10, 0), (0, 2) })
        {
            var screen = TuiScreen.Of(() => new MessagePaneView(state), 10, 2, width, height);
            Assert.All(screen.Lines, row => Assert.Equal("", row));
        }
    }

    [Fact]
    public void AOneColumnPaneDrawsInItsOneColumnOnly()
    {
        var state = Lobby(Msg("x", "hi"));
        var screen = TuiScreen.Of(() => new MessagePaneView(state), 10, 2, 1, 2);
        Assert.Equal(1, state.LastPaneWidth);
        Assert.Contains(screen.Lines, row => row.Length > 0);
        Assert.All(screen.Lines, row => Assert.True(DisplayWidth.Of(row) <= 1));
    }

    [Fact]
    public void AVeryNarrowPaneStillDrawsEveryGraphemeWhole()
    {
        var state = Lobby(Msg("x", "漢字 and words"));
        var buffer = Render(state, 3, 10);
        for (int y = 0; y < buffer.Height; y++)
            Assert.True(DisplayWidth.Of(buffer.RowText(y)) <= 3);
    }
}
