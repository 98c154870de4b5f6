using TcpChat.Tui.App;
using TcpChat.Tui.Views;
using static TcpChat.Tests.Tui.Views.ViewTestKit;

namespace TcpChat.Tests.Tui.Views;

public class MainViewTests
{
    private static ChatState TwoRooms()
    {
        var state = new ChatState
        {
            Nick = "alice",
            ServerLabel = "localhost:7777",
            Status = ConnectionStatus.Connected,
        };
        state.AddLine(state.StatusRoom, Line(LineKind.Info, null, "connected to localhost:7777", 9, 58));
        var lobby = state.GetOrAddRoom("#lobby");
        lobby.Joined = true;
        lobby.SetUsers(["alice", "bob", "João", "carol"]);
        var rust = state.GetOrAddRoom("#rust");
        rust.Joined = true;
        rust.SetUsers(["alice", "dave"]);
        state.SwitchTo(lobby);
        state.AddLine(lobby, Line(LineKind.Join, "alice", "alice joined #lobby", 9, 59));
        state.AddLine(lobby, Msg("bob", "morning all", 10, 0));
        state.AddLine(lobby, Msg("alice", "hi bob 👋", 10, 1));
        state.AddLine(lobby, Msg("João", "olá! has anyone tried the new build? it wraps long lines with the continuation indented under the text", 10, 2));
        state.AddLine(lobby, Line(LineKind.Action, "carol", "waves", 10, 3));
        state.AddLine(lobby, Msg("bob", "alice: 漢字 and 👍🏽 line up", 10, 4));
        state.AddLine(rust, Msg("dave", "anyone here?", 10, 5));
        state.AddLine(rust, Msg("dave", "alice, ping", 10, 6));
        state.AddLine(rust, Msg("dave", "third", 10, 7));
        state.Input.Insert("typing a reply");
        return state;
    }

    [Fact]
    public void TheWholeScreenAt80x24()
    {
        var buffer = TuiScreen.Chat(TwoRooms(), 80, 24);
        var cursor = buffer.Cursor;
        ScreenAssert.Lines(buffer,
            " localhost:7777 | alice | connected | #lobby",
            "09:59 -- alice joined #lobby                                 │ 4 users",
            "10:00 bob: morning all                                       │ alice",
            "10:01 alice: hi bob 👋                                       │ bob",
            "10:02 João: olá! has anyone tried the new build? it wraps    │ carol",
            "            long lines with the continuation indented under  │ João",
            "            the text                                         │",
            "10:03 * carol waves                                          │",
            "10:04 bob: alice: 漢字 and 👍🏽 line up                        │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "1:server 2:#lobby 3:#rust(3,!1)",
            "[#lobby] typing a reply");
        Assert.Equal((23, 23), cursor);

        Assert.Equal(Theme.Bar, buffer[0, 0].Style);             // the status line is a reverse bar
        Assert.Equal(Theme.Bar, buffer[79, 0].Style);
        Assert.Equal(Theme.Bar, buffer[79, 22].Style);           // so is the room bar
        Assert.Equal(RoomBarView.Current, buffer[ColumnOf(buffer, 22, "2:#lobby"), 22].Style);
        Assert.Equal(RoomBarView.Mentions, buffer[ColumnOf(buffer, 22, "!1"), 22].Style);
        Assert.Equal(Theme.Prompt, buffer[0, 23].Style);
        Assert.Equal(Theme.Separator, buffer[61, 5].Style);
        Assert.Equal(Theme.MentionNick, buffer[6, 8].Style);     // bob mentioned me
        Assert.True(buffer[6, 3].Style.Has(TextAttributes.Bold)); // my own nick in the pane
    }

    [Fact]
    public void AnotherRoomShowsItsLinesUsersAndClearsItsCounts()
    {
        var state = TwoRooms();
        state.SwitchTo(2);
        var buffer = TuiScreen.Chat(state, 80, 24);
        ScreenAssert.Lines(buffer,
            " localhost:7777 | alice | connected | #rust",
            "10:05 dave: anyone here?                                     │ 2 users",
            "10:06 dave: alice, ping                                      │ alice",
            "10:07 dave: third                                            │ dave",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "                                                             │",
            "1:server 2:#lobby 3:#rust",
            "[#rust] typing a reply");
    }

    [Fact]
    public void TheStatusTabHasNoUserList()
    {
        var state = TwoRooms();
        state.SwitchTo(0);
        var buffer = TuiScreen.Chat(state, 60, 8);
        ScreenAssert.Lines(buffer,
            " localhost:7777 | alice | connected | server",
            "09:58 -!- connected to localhost:7777",
            "",
            "",
            "",
            "",
            "1:server 2:#lobby 3:#rust(3,!1)",
            "[server] typing a reply");
    }

    [Fact]
    public void TheUserListCanBeHiddenAndIsDroppedWhenNarrow()
    {
        var state = TwoRooms();
        var buffer = TuiScreen.Chat(state, 80, 24);
        Assert.Contains("│ 4 users", buffer.RowText(1));

        state.ShowUserList = false;
        buffer = TuiScreen.Chat(state, 80, 24);
        Assert.DoesNotContain("users", buffer.Text);
        Assert.Equal(80, state.LastPaneWidth);

        state.ShowUserList = true;
        var narrow = TuiScreen.Chat(state, MainView.MinWidthForUserList - 1, 10);
        Assert.DoesNotContain("users", narrow.Text);
    }

    [Fact]
    public void ATooSmallTerminalShowsANotice()
    {
        var buffer = TuiScreen.Chat(TwoRooms(), 39, 10);
        Assert.Null(buffer.Cursor);
        ScreenAssert.Lines(buffer,
            "",
            "",
            "",
            "",
            "  Terminal too small (39x10); need at",
            "              least 40x8",
            "",
            "",
            "",
            "");
    }

    [Fact]
    public void ATooShortTerminalShowsANoticeToo()
    {
        var buffer = TuiScreen.Chat(TwoRooms(), 80, 7);
        Assert.Null(buffer.Cursor);
        Assert.Equal("                 Terminal too small (80x7); need at least 40x8", buffer.RowText(3));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    [InlineData(12, 3)]
    [InlineData(39, 7)]
    [InlineData(200, 7)]
    public void TinyTerminalsShowAsMuchOfTheNoticeAsFitsAndNoCursor(int width, int height)
    {
        var buffer = TuiScreen.Chat(TwoRooms(), width, height);
        Assert.Null(buffer.Cursor);
        string notice = $"Terminal too small ({width}x{height}); need at least 40x8".Replace(" ", "");
        string shown = string.Concat(buffer.Lines).Replace(" ", "");
        Assert.NotEmpty(shown);
        Assert.StartsWith(shown, notice); // the notice's start, wrapped into the rows there are, and nothing else
        Assert.DoesNotContain("localhost", buffer.Text);
    }

    [Fact]
    public void TheSmallestTerminalGetsTheFullLayout()
    {
        var buffer = TuiScreen.Chat(TwoRooms(), MainView.MinWidth, MainView.MinHeight);
        var cursor = buffer.Cursor;
        Assert.NotNull(cursor);
        Assert.StartsWith(" localhost:7777 | alice", buffer.RowText(0));
        Assert.StartsWith("1:server", buffer.RowText(6));
        Assert.StartsWith("[#lobby] typing", buffer.RowText(7));
        NoControlCharacters(buffer);
    }

    [Fact]
    public void APendingPasteAsksInTheInputRow()
    {
        var state = TwoRooms();
        state.PendingPaste = new PendingPaste("a\nb\nc\nd");
        var buffer = TuiScreen.Chat(state, 80, 24);
        var cursor = buffer.Cursor;
        Assert.Equal("Paste 4 lines? Enter = insert as one multi-line message, Esc = cancel", buffer.RowText(23));
        Assert.Equal(Theme.Question, buffer[0, 23].Style);
        Assert.Equal((69, 23), cursor);
    }
}
