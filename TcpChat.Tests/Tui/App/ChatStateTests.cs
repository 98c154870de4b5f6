using TcpChat.Tui.App;
using TcpChat.Tui.Views;

namespace TcpChat.Tests.Tui.App;

public class ChatStateTests
{
    private static readonly DateTimeOffset T = new(new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Local));

    private static ChatState State(string nick = "me")
    {
        var state = new ChatState { Nick = nick, ServerLabel = "localhost:7777" };
        return state;
    }

    private static ChatLine Say(string nick, string text) => new(T, LineKind.Message, nick, text);

    [Fact]
    public void TheFirstTabIsTheStatusTab()
    {
        var state = new ChatState();
        Assert.Single(state.Rooms);
        Assert.Equal("server", state.Current.Name);
        Assert.Equal(RoomKind.Status, state.Current.Kind);
        Assert.Same(state.StatusRoom, state.Rooms[0]);
        Assert.True(state.ShowUserList);
        Assert.True(state.BellOnMention);
    }

    [Fact]
    public void GetOrAddRoomIsCaseInsensitiveAndAppends()
    {
        var state = State();
        var lobby = state.GetOrAddRoom("#Lobby");
        var bob = state.GetOrAddRoom("bob");
        Assert.Same(lobby, state.GetOrAddRoom("#lobby"));
        Assert.Same(bob, state.FindRoom("BOB"));
        Assert.Equal(RoomKind.Room, lobby.Kind);
        Assert.Equal(RoomKind.Private, bob.Kind);
        Assert.Equal(["server", "#Lobby", "bob"], state.Rooms.Select(r => r.Name));
        Assert.Null(state.FindRoom("#nowhere"));
    }

    [Fact]
    public void APrivateTabWithAUserCalledServerIsNotTheStatusTab()
    {
        var state = State();
        var room = state.GetOrAddRoom("server");
        Assert.NotSame(state.StatusRoom, room);
        Assert.Equal(RoomKind.Private, room.Kind);
    }

    [Fact]
    public void MessagesInOtherTabsCountAsUnreadButSystemLinesDoNot()
    {
        var state = State();
        var lobby = state.GetOrAddRoom("#lobby");
        state.AddLine(lobby, Say("alice", "hi"));
        state.AddLine(lobby, new ChatLine(T, LineKind.Action, "alice", "waves"));
        foreach (var kind in new[] { LineKind.Join, LineKind.Part, LineKind.Quit, LineKind.Nick, LineKind.Info, LineKind.Error })
            state.AddLine(lobby, new ChatLine(T, kind, "alice", "something"));
        Assert.Equal(2, lobby.Unread);
        Assert.Equal(0, lobby.UnreadMentions);
        Assert.Equal(8, lobby.Lines.Count);
    }

    [Fact]
    public void MessagesInTheCurrentTabAndMyOwnAreNotUnread()
    {
        var state = State();
        var lobby = state.GetOrAddRoom("#lobby");
        state.AddLine(lobby, Say("ME", "my own words"));
        Assert.True(lobby.Lines[^1].Own);
        state.SwitchTo(lobby);
        state.AddLine(lobby, Say("alice", "hi me"));
        Assert.Equal(0, lobby.Unread);
        Assert.Equal(0, lobby.UnreadMentions);
    }

    [Fact]
    public void AMentionIsMyNickAsAWholeWordInAnyCase()
    {
        Assert.True(ChatState.Mentions("hey Bob, look", "bob"));
        Assert.True(ChatState.Mentions("bob: hi", "bob"));
        Assert.True(ChatState.Mentions("thanks bob.", "bob"));
        Assert.True(ChatState.Mentions("JOÃO?", "joão"));
        Assert.True(ChatState.Mentions("Joa\u0303o!", "João")); // NFD text, NFC nick
        Assert.False(ChatState.Mentions("bobby is here", "bob"));
        Assert.False(ChatState.Mentions("kebob", "bob"));
        Assert.False(ChatState.Mentions("bob_2 said", "bob"));
        Assert.False(ChatState.Mentions("bob-like", "bob"));
    }

    [Fact]
    public void MentionsAreMarkedCountedAndRingTheBell()
    {
        var state = State("bob");
        var lobby = state.GetOrAddRoom("#lobby");
        state.AddLine(lobby, Say("alice", "hello BOB"));
        state.AddLine(lobby, Say("alice", "and the rest"));
        Assert.True(lobby.Lines[0].Mention);
        Assert.False(lobby.Lines[1].Mention);
        Assert.Equal(2, lobby.Unread);
        Assert.Equal(1, lobby.UnreadMentions);
        Assert.Equal(1, state.PendingBells);
    }

    [Fact]
    public void MyOwnMessageNamingMeIsNotAMention()
    {
        var state = State("bob");
        var lobby = state.GetOrAddRoom("#lobby");
        state.AddLine(lobby, Say("bob", "bob here"));
        state.AddLine(lobby, new ChatLine(T, LineKind.Join, "bob", "bob joined #lobby"));
        Assert.All(lobby.Lines, l => Assert.False(l.Mention));
        Assert.Equal(0, state.PendingBells);
    }

    [Fact]
    public void APrivateMessageCountsAsAMentionAndRingsTheBell()
    {
        var state = State();
        var bob = state.GetOrAddRoom("bob");
        state.AddLine(bob, Say("bob", "psst"));
        Assert.Equal(1, bob.Unread);
        Assert.Equal(1, bob.UnreadMentions);
        Assert.Equal(1, state.PendingBells);
    }

    [Fact]
    public void TheBellCanBeTurnedOff()
    {
        var state = State();
        state.BellOnMention = false;
        state.AddLine(state.GetOrAddRoom("#lobby"), Say("alice", "me?"));
        Assert.Equal(0, state.PendingBells);
    }

    [Fact]
    public void SwitchingClearsTheUnreadCounters()
    {
        var state = State();
        var lobby = state.GetOrAddRoom("#lobby");
        state.AddLine(lobby, Say("alice", "hi me"));
        Assert.True(state.SwitchTo(1));
        Assert.Same(lobby, state.Current);
        Assert.Equal(0, lobby.Unread);
        Assert.Equal(0, lobby.UnreadMentions);
        Assert.False(state.SwitchTo(5));
        Assert.Same(lobby, state.Current);
    }

    [Fact]
    public void NextAndPreviousWrapAround()
    {
        var state = State();
        state.GetOrAddRoom("#a");
        state.GetOrAddRoom("#b");
        state.Previous();
        Assert.Equal(2, state.CurrentIndex);
        state.Next();
        Assert.Equal(0, state.CurrentIndex);
        state.Next();
        Assert.Equal(1, state.CurrentIndex);
    }

    [Fact]
    public void NextUnreadPrefersMentionsThenAnyUnread()
    {
        var state = State();
        var a = state.GetOrAddRoom("#a");
        var b = state.GetOrAddRoom("#b");
        var c = state.GetOrAddRoom("#c");
        state.AddLine(a, Say("x", "plain"));
        state.AddLine(c, Say("x", "hey me"));
        state.AddLine(b, new ChatLine(T, LineKind.Join, "y", "y joined #b"));

        Assert.True(state.NextUnread());
        Assert.Same(c, state.Current);
        Assert.True(state.NextUnread());
        Assert.Same(a, state.Current);
        Assert.False(state.NextUnread());
        Assert.Same(a, state.Current);
    }

    [Fact]
    public void RemovingTheCurrentRoomGoesToTheOneBefore()
    {
        var state = State();
        state.GetOrAddRoom("#a");
        var b = state.GetOrAddRoom("#b");
        var c = state.GetOrAddRoom("#c");
        state.SwitchTo(b);
        state.RemoveRoom("#B");
        Assert.Equal("#a", state.Current.Name);
        state.SwitchTo(c);
        state.RemoveRoom("#a");
        Assert.Same(c, state.Current);
        state.RemoveRoom("server");
        Assert.Equal(2, state.Rooms.Count);
    }

    [Fact]
    public void UsersAreSortedWithoutRegardToCase()
    {
        var room = new RoomState("#r", RoomKind.Room);
        room.SetUsers(["carol", "Bob", "alice", "bob"]);
        Assert.Equal(["alice", "Bob", "carol"], room.Users);
        Assert.True(room.AddUser("Dave"));
        Assert.False(room.AddUser("dave"));
        Assert.True(room.AddUser("Álvaro"));
        Assert.Equal(["alice", "Álvaro", "Bob", "carol", "Dave"], room.Users);
        Assert.True(room.HasUser("CAROL"));
        Assert.True(room.RemoveUser("ALICE"));
        Assert.True(room.RenameUser("bob", "zed"));
        Assert.False(room.RenameUser("nobody", "x"));
        Assert.Equal(["Álvaro", "carol", "Dave", "zed"], room.Users);
    }

    [Fact]
    public void ARoomKeepsOnlyTheLastLines()
    {
        var state = State();
        var room = state.GetOrAddRoom("#busy");
        for (int i = 0; i < RoomState.MaxLines + 10; i++)
            state.AddLine(room, Say("x", $"line {i}"));
        Assert.Equal(RoomState.MaxLines, room.Lines.Count);
        Assert.Equal("line 10", room.Lines[0].Text);
        Assert.Equal($"line {RoomState.MaxLines + 9}", room.Lines[^1].Text);
    }

    [Fact]
    public void ClearDropsTheLines()
    {
        var state = State();
        var room = state.GetOrAddRoom("#r");
        state.AddLine(room, Say("x", "one"));
        room.ScrollOffset = 3;
        room.Clear();
        Assert.Empty(room.Lines);
        Assert.Equal(0, room.ScrollOffset);
    }

    [Fact]
    public void CompletionOffersRecentSpeakersFirstThenAlphabetically()
    {
        var state = State("me");
        var room = state.GetOrAddRoom("#r");
        state.SwitchTo(room);
        room.SetUsers(["me", "alice", "alan", "bob", "albert"]);
        state.AddLine(room, Say("albert", "hi"));
        state.NoteSpeaker("#r", "alan");
        Assert.Equal(["alan", "albert", "alice"], state.CompletionCandidates("al"));
        Assert.Equal(["alan", "albert", "alice", "bob", "me"], state.CompletionCandidates(""));
        Assert.Equal(["bob"], state.CompletionCandidates("B"));
    }

    [Fact]
    public void CompletionForgetsSpeakersWhoLeft()
    {
        var state = State();
        var room = state.GetOrAddRoom("#r");
        state.SwitchTo(room);
        room.SetUsers(["anna", "amy"]);
        state.NoteSpeaker("#r", "amy");
        room.RemoveUser("amy");
        Assert.Equal(["anna"], state.CompletionCandidates("a"));
    }

    [Fact]
    public void CompletionInAPrivateTabOffersThePeer()
    {
        var state = State();
        state.SwitchTo(state.GetOrAddRoom("bob"));
        Assert.Equal(["bob"], state.CompletionCandidates("b"));
    }

    [Fact]
    public void CompletionOfASlashWordOffersCommands()
    {
        var state = State();
        Assert.Equal(["/join"], state.CompletionCandidates("/j"));
        Assert.Equal(["/me", "/msg"], state.CompletionCandidates("/m").Order());
        Assert.Contains("/clear", ChatState.Commands);
        Assert.Contains("/quit", state.CompletionCandidates("/"));
    }

    [Fact]
    public void ScrolledBackViewDoesNotMoveWhenMessagesArrive()
    {
        var state = State();
        var room = state.GetOrAddRoom("#r");
        state.SwitchTo(room);
        room.PaneWidth = 30;
        state.LastPaneWidth = 30;
        state.LastPaneHeight = 5;
        for (int i = 0; i < 20; i++)
            state.AddLine(room, Say("x", $"line {i}"));
        state.ScrollUp(4);
        Assert.Equal(4, room.ScrollOffset);

        state.AddLine(room, Say("x", "short"));
        Assert.Equal(5, room.ScrollOffset);
        state.AddLine(room, Say("x", "twenty-one chars long and more")); // two rows at 30 - 9
        Assert.Equal(7, room.ScrollOffset);
    }

    [Fact]
    public void AtTheBottomTheViewFollowsNewMessages()
    {
        var state = State();
        var room = state.GetOrAddRoom("#r");
        state.AddLine(room, Say("x", "one"));
        Assert.Equal(0, room.ScrollOffset);
    }

    [Fact]
    public void ScrollingStopsAtTheTopAndTheBottom()
    {
        var state = State();
        var room = state.GetOrAddRoom("#r");
        state.SwitchTo(room);
        room.PaneWidth = state.LastPaneWidth = 40;
        state.LastPaneHeight = 5;
        for (int i = 0; i < 10; i++)
            state.AddLine(room, Say("x", $"line {i}"));
        state.PageUp();
        Assert.Equal(4, room.ScrollOffset);
        state.PageUp();
        state.PageUp();
        Assert.Equal(6, room.ScrollOffset); // 10 rows, 4 shown above the "more below" row
        Assert.Equal(6, state.MaxScroll(room));
        state.PageDown();
        Assert.Equal(2, room.ScrollOffset);
        state.PageDown();
        Assert.Equal(0, room.ScrollOffset);
        state.ScrollToTop();
        Assert.Equal(6, room.ScrollOffset);
        state.ScrollToBottom();
        Assert.Equal(0, room.ScrollOffset);
    }

    [Fact]
    public void AFewLinesDoNotScroll()
    {
        var state = State();
        var room = state.GetOrAddRoom("#r");
        state.SwitchTo(room);
        state.LastPaneHeight = 10;
        state.AddLine(room, Say("x", "one"));
        state.PageUp();
        Assert.Equal(0, room.ScrollOffset);
    }

    [Fact]
    public void PendingPasteCountsItsLines()
    {
        var paste = new PendingPaste("a\nb\nc");
        Assert.Equal(3, paste.LineCount);
        Assert.Equal("Paste 3 lines? Enter = insert as one multi-line message, Esc = cancel", paste.Prompt);
    }

    [Fact]
    public void RowCountBeforeAnyRenderIsOnePerTextLine()
    {
        Assert.Equal(3, MessageLayout.RowCount(Say("x", "a\nb\nc"), 0));
    }
}
