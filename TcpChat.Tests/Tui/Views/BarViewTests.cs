using TcpChat.Tui.App;
using TcpChat.Tui.Views;
using static TcpChat.Tests.Tui.Views.ViewTestKit;

namespace TcpChat.Tests.Tui.Views;

public class StatusLineViewTests
{
    private static string Render(ChatState state, int width = 80)
    {
        var buffer = TuiScreen.Of(() => new StatusLineView(state), width, 1);
        Assert.All(Enumerable.Range(0, width), x => Assert.True(buffer[x, 0].Style.Has(TextAttributes.Reverse)));
        return buffer.RowText(0);
    }

    [Fact]
    public void ShowsServerNickStateAndRoom() =>
        Assert.Equal(" localhost:7777 | me | connected | #lobby", Render(Lobby()));

    [Fact]
    public void ShowsTheServerNameTopicAndReconnectDetail()
    {
        var state = Lobby();
        state.ServerName = "tcpchat";
        state.Status = ConnectionStatus.Disconnected;
        state.StatusDetail = "reconnecting in 4 s";
        state.Current.Topic = "all things chat";
        Assert.Equal(" localhost:7777 (tcpchat) | me | disconnected (reconnecting in 4 s) | #lobby: all things chat", Render(state, 100));
    }

    [Fact]
    public void BeforeRegistrationThereIsNoNick()
    {
        var state = new ChatState { ServerLabel = "h:1" };
        Assert.Equal(" h:1 | (no nick) | connecting | server", Render(state));
    }

    [Fact]
    public void ARoomNotJoinedSaysSo()
    {
        var state = Lobby();
        state.Current.Joined = false;
        Assert.EndsWith("#lobby (not joined)", Render(state));
    }

    [Fact]
    public void IsCutAtTheEdge() =>
        Assert.Equal(" localhost:7777 | me | con", Render(Lobby(), 26));
}

public class UserListViewTests
{
    private static TuiScreen Users(string[] users, string? ownNick, int width, int height)
    {
        var state = Lobby();
        state.Nick = ownNick;
        state.Current.SetUsers(users);
        return TuiScreen.Of(() => new UserListView(state), width, height);
    }

    [Fact]
    public void ShowsTheCountAndTheNicksInOrder()
    {
        var buffer = Users(["alice", "bob", "me"], "me", 12, 5);
        ScreenAssert.Lines(buffer, " 3 users", " alice", " bob", " me", "");
        Assert.Equal(Theme.Title, buffer[1, 0].Style);
        Assert.Equal(Theme.NickColor("bob"), buffer[1, 2].Style.Foreground);
        Assert.True(buffer[1, 3].Style.Has(TextAttributes.Bold));
        Assert.False(buffer[1, 2].Style.Has(TextAttributes.Bold));
    }

    [Fact]
    public void LongAndWideNicksAreCutByDisplayWidth()
    {
        var buffer = Users(["abcdefghij", "漢字漢字漢字", "João"], null, 8, 4);
        ScreenAssert.Lines(buffer, " 3 users", " abcdef…", " João", " 漢字漢…"); // the list is sorted
    }

    [Fact]
    public void WhenNotAllFitTheLastRowCountsTheRest()
    {
        var buffer = Users(["a", "b", "c", "d", "e"], null, 12, 4);
        ScreenAssert.Lines(buffer, " 5 users", " a", " b", " +3 more");
    }

    [Fact]
    public void OneUserIsSingular()
    {
        var buffer = Users(["me"], "me", 12, 2);
        ScreenAssert.Lines(buffer, " 1 user", " me");
    }

    [Fact]
    public void NicksFromTheNetworkAreSanitized()
    {
        var buffer = Users(["x\u001b[2Jy"], null, 20, 2);
        ScreenAssert.Lines(buffer, " 1 user", " x^[[2Jy");
        NoControlCharacters(buffer);
    }

    [Fact]
    public void ZeroSizeDrawsNothingAndOneCellDrawsTheTitle()
    {
        var state = Lobby();
        state.Current.SetUsers(["a"]);
        var none = TuiScreen.Of(() => new UserListView(state), 4, 2, 0, 0);
        Assert.All(none.Lines, row => Assert.Equal("", row));
        var one = Users(["a"], null, 1, 1);
        ScreenAssert.Lines(one, "…"); // no room for the padding, nor for "1 user": cut to its ellipsis
    }
}

public class RoomBarViewTests
{
    private static ChatState Rooms(params string[] names)
    {
        var state = new ChatState { Nick = "me" };
        foreach (string name in names)
            state.GetOrAddRoom(name);
        return state;
    }

    private static TuiScreen Render(ChatState state, int width) =>
        TuiScreen.Of(() => new RoomBarView(state), width, 1);

    [Fact]
    public void ListsTabsWithUnreadAndMentionCounts()
    {
        var state = Rooms("#lobby", "#rust", "bob", "#quiet");
        for (int i = 0; i < 3; i++)
            state.AddLine(state.Rooms[1], Msg("x", "chatter"));
        state.AddLine(state.Rooms[2], Msg("x", "me: look"));
        state.AddLine(state.Rooms[3], Msg("bob", "psst"));
        state.AddLine(state.Rooms[3], Msg("bob", "there?"));
        state.AddLine(state.Rooms[4], Line(LineKind.Join, "x", "x joined #quiet"));
        state.AddLine(state.Rooms[4], Line(LineKind.Part, "x", "x left #quiet"));

        var buffer = Render(state, 60);
        ScreenAssert.Lines(buffer, "1:server 2:#lobby(3) 3:#rust(!1) 4:bob(!2) 5:#quiet");
        Assert.Equal(RoomBarView.Current, buffer[0, 0].Style);
        Assert.Equal(RoomBarView.Unread, buffer[ColumnOf(buffer, 0, "2:#lobby"), 0].Style);
        Assert.Equal(RoomBarView.Bar, buffer[ColumnOf(buffer, 0, "(3)") + 1, 0].Style);
        Assert.Equal(RoomBarView.Mentions, buffer[ColumnOf(buffer, 0, "!1"), 0].Style);
        Assert.Equal(RoomBarView.Bar, buffer[ColumnOf(buffer, 0, "5:#quiet"), 0].Style);
        Assert.Equal(RoomBarView.Bar, buffer[59, 0].Style);
    }

    [Fact]
    public void MentionsAmongOtherUnreadAreCountedApart()
    {
        var state = Rooms("#a");
        state.AddLine(state.Rooms[1], Msg("x", "one"));
        state.AddLine(state.Rooms[1], Msg("x", "hey me"));
        ScreenAssert.Lines(Render(state, 40), "1:server 2:#a(2,!1)");
    }

    [Fact]
    public void ScrollsSoTheCurrentTabIsVisible()
    {
        var state = Rooms("#alpha", "#bravo", "#charlie", "#delta", "#echo");
        state.SwitchTo(5);
        ScreenAssert.Lines(Render(state, 30), "< 4:#charlie 5:#delta 6:#echo");

        state.SwitchTo(0);
        ScreenAssert.Lines(Render(state, 30), "1:server 2:#alpha 3:#bravo   >");

        state.SwitchTo(3);
        ScreenAssert.Lines(Render(state, 30), "< 3:#bravo 4:#charlie        >");
    }

    [Fact]
    public void LongRoomNamesAreCut()
    {
        var state = Rooms("#" + new string('x', 40));
        ScreenAssert.Lines(Render(state, 60), "1:server 2:#xxxxxxxxxxxxxxxxxxxxxx…");
    }

    [Fact]
    public void ZeroWidthDrawsNothing()
    {
        var none = TuiScreen.Of(() => new RoomBarView(Rooms("#a")), 3, 1, 0, 1);
        ScreenAssert.Lines(none, "");
        ScreenAssert.Lines(Render(Rooms("#a"), 3), "1:s");
    }
}

public class InputLineViewTests
{
    private static (TuiScreen Buffer, (int X, int Y)? Cursor) Render(ChatState state, int width)
    {
        InputLineView? view = null;
        var screen = TuiScreen.Of(() => view = new InputLineView(state), width, 1);
        return (screen, view!.CursorColumn is { } x ? (x, 0) : null);
    }

    [Fact]
    public void ShowsThePromptAndTheInputWithTheCursor()
    {
        var state = Lobby();
        state.Input.Insert("hello");
        var (buffer, cursor) = Render(state, 30);
        ScreenAssert.Lines(buffer, "[#lobby] hello");
        Assert.Equal((14, 0), cursor);
        state.Input.Home();
        Assert.Equal((9, 0), Render(state, 30).Cursor);
    }

    [Fact]
    public void TheCursorCountsDisplayColumns()
    {
        var state = Lobby();
        state.Input.Insert("漢字👍🏽e\u0301x");
        state.Input.Left();
        var (buffer, cursor) = Render(state, 30);
        ScreenAssert.Lines(buffer, "[#lobby] 漢字👍🏽\u00E9x"); // the driver keeps each grapheme composed (NFC)
        Assert.Equal((9 + 7, 0), cursor);
    }

    [Fact]
    public void NewlinesAreShownAsAVisibleGlyph()
    {
        var state = Lobby();
        state.Input.Insert("one\ntwo");
        var (buffer, _) = Render(state, 30);
        ScreenAssert.Lines(buffer, "[#lobby] one↵two");
        Assert.Equal(Theme.Newline, buffer[12, 0].Style);
    }

    [Fact]
    public void LongInputScrollsSoTheCursorStaysVisible()
    {
        var state = Lobby();
        state.Input.Insert("abcdefghijklmnopqrstuvwxyz");
        var (buffer, cursor) = Render(state, 20);
        ScreenAssert.Lines(buffer, "[#lobby] qrstuvwxyz");
        Assert.Equal((19, 0), cursor);

        state.Input.Home();
        (buffer, cursor) = Render(state, 20);
        ScreenAssert.Lines(buffer, "[#lobby] abcdefghijk");
        Assert.Equal((9, 0), cursor);

        state.Input.End();
        state.Input.DeleteToStart();
        state.Input.Insert("short");
        (buffer, cursor) = Render(state, 20);
        ScreenAssert.Lines(buffer, "[#lobby] short");
        Assert.Equal((14, 0), cursor);
    }

    [Fact]
    public void ScrollingMovesOnlyAsFarAsNeeded()
    {
        var state = Lobby();
        state.Input.Insert("abcdefghijklmnopqrstuvwxyz");
        Render(state, 20);
        state.Input.Left();
        state.Input.Left();
        var (buffer, cursor) = Render(state, 20);
        ScreenAssert.Lines(buffer, "[#lobby] qrstuvwxyz");
        Assert.Equal((17, 0), cursor);
    }

    [Fact]
    public void WideGraphemesAreNeverCutWhenScrolling()
    {
        var state = Lobby();
        state.Input.Insert("漢字漢字漢字漢字漢字");
        var (buffer, cursor) = Render(state, 20);
        ScreenAssert.Lines(buffer, "[#lobby] 字漢字漢字"); // the last five, and a cell for the cursor
        Assert.Equal((19, 0), cursor);
        state.Input.Home();
        (buffer, cursor) = Render(state, 20);
        ScreenAssert.Lines(buffer, "[#lobby] 漢字漢字漢");
        Assert.Equal((9, 0), cursor);
    }

    [Fact]
    public void APastedControlInTheInputIsShownAsAPlaceholder()
    {
        var state = Lobby();
        state.Input.Insert("a\u001bb");
        var (buffer, _) = Render(state, 30);
        ScreenAssert.Lines(buffer, "[#lobby] a^[b");
        NoControlCharacters(buffer);
    }

    [Fact]
    public void ZeroWidthDrawsNothingAndHasNoCursor()
    {
        var state = Lobby();
        state.Input.Insert("hello");
        InputLineView? view = null;
        var screen = TuiScreen.Of(() => view = new InputLineView(state), 10, 1, 0, 1);
        ScreenAssert.Lines(screen, "");
        Assert.Null(view!.CursorColumn);
    }
}
