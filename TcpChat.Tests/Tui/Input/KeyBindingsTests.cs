using System.Text;
using TcpChat.Tui.App;
using TcpChat.Tui.Input;

namespace TcpChat.Tests.Tui.Input;

public class KeyBindingsTests
{
    private static readonly DateTimeOffset T = new(new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Local));

    private static ChatState StateWithRooms(params string[] rooms)
    {
        var state = new ChatState { Nick = "me" };
        foreach (string room in rooms)
            state.GetOrAddRoom(room);
        return state;
    }

    private static InputResult Press(ChatState state, KeyEvent key) => KeyBindings.Handle(key, state);

    private static void Type(ChatState state, string text)
    {
        foreach (Rune rune in text.EnumerateRunes())
            Assert.IsType<InputResult.Redraw>(Press(state, KeyEvent.Char(rune)));
    }

    private static KeyEvent Ctrl(char c) => KeyEvent.Char(c, KeyModifiers.Ctrl);
    private static KeyEvent Alt(char c) => KeyEvent.Char(c, KeyModifiers.Alt);
    private static KeyEvent K(Key key, KeyModifiers mods = KeyModifiers.None) => new(key, mods);

    [Fact]
    public void PrintableKeysInsertIncludingGraphemesTypedRuneByRune()
    {
        var state = StateWithRooms();
        Type(state, "olá 👍🏽");
        Assert.Equal("olá 👍🏽", state.Input.Text);
        Assert.Equal(5, state.Input.Cursor);
    }

    [Fact]
    public void EnterSubmitsTheLineAndClearsIt()
    {
        var state = StateWithRooms();
        Type(state, "hello");
        var result = Press(state, K(Key.Enter));
        Assert.Equal(new InputResult.Submit("hello"), result);
        Assert.Equal("", state.Input.Text);
    }

    [Fact]
    public void EnterOnEmptyInputDoesNothing()
    {
        var state = StateWithRooms();
        Assert.IsType<InputResult.None>(Press(state, K(Key.Enter)));
        Type(state, "  ");
        Assert.IsType<InputResult.None>(Press(state, K(Key.Enter)));
        Assert.Equal("  ", state.Input.Text);
    }

    [Fact]
    public void AltEnterInsertsANewline()
    {
        var state = StateWithRooms();
        Type(state, "a");
        Assert.IsType<InputResult.Redraw>(Press(state, K(Key.Enter, KeyModifiers.Alt)));
        Type(state, "b");
        Assert.Equal("a\nb", state.Input.Text);
        Assert.Equal(new InputResult.Submit("a\nb"), Press(state, K(Key.Enter)));
    }

    [Fact]
    public void SubmittingReturnsToTheBottomOfTheMessages()
    {
        var state = StateWithRooms();
        state.Current.ScrollOffset = 5;
        Type(state, "x");
        Press(state, K(Key.Enter));
        Assert.Equal(0, state.Current.ScrollOffset);
    }

    [Fact]
    public void EditingKeysReachTheLineEditor()
    {
        var state = StateWithRooms();
        Type(state, "one two");
        Press(state, Ctrl('a'));
        Assert.Equal(0, state.Input.Cursor);
        Press(state, Ctrl('e'));
        Assert.Equal(7, state.Input.Cursor);
        Press(state, K(Key.Left));
        Press(state, K(Key.Backspace));
        Assert.Equal("one to", state.Input.Text);
        Press(state, K(Key.Home));
        Press(state, K(Key.Delete));
        Assert.Equal("ne to", state.Input.Text);
        Press(state, K(Key.End));
        Press(state, K(Key.Right));
        Press(state, Ctrl('w'));
        Assert.Equal("ne ", state.Input.Text);
        Press(state, Ctrl('u'));
        Assert.Equal("", state.Input.Text);
    }

    [Fact]
    public void UpAndDownWalkTheHistory()
    {
        var state = StateWithRooms();
        Type(state, "sent");
        Press(state, K(Key.Enter));
        Type(state, "draft");
        Press(state, K(Key.Up));
        Assert.Equal("sent", state.Input.Text);
        Press(state, K(Key.Down));
        Assert.Equal("draft", state.Input.Text);
    }

    [Fact]
    public void TabCompletesNicksOfTheCurrentRoom()
    {
        var state = StateWithRooms("#lobby");
        state.SwitchTo(1);
        state.Current.SetUsers(["alice", "bob", "me"]);
        Type(state, "al");
        Assert.IsType<InputResult.Redraw>(Press(state, K(Key.Tab)));
        Assert.Equal("alice: ", state.Input.Text);
    }

    [Fact]
    public void TabCompletesCommands()
    {
        var state = StateWithRooms();
        Type(state, "/he");
        Press(state, K(Key.Tab));
        Assert.Equal("/help ", state.Input.Text);
    }

    [Fact]
    public void AltDigitSwitchesToTheNthTab()
    {
        var state = StateWithRooms("#a", "#b", "bob");
        Assert.IsType<InputResult.Redraw>(Press(state, Alt('3')));
        Assert.Equal("#b", state.Current.Name);
        Press(state, Alt('1'));
        Assert.Equal("server", state.Current.Name);
        Press(state, Alt('4'));
        Assert.Equal("bob", state.Current.Name);
        Assert.IsType<InputResult.None>(Press(state, Alt('9')));
        Assert.Equal("bob", state.Current.Name);
    }

    [Fact]
    public void CtrlNAndCtrlPGoToTheNextAndPreviousTab()
    {
        var state = StateWithRooms("#a", "#b");
        Press(state, Ctrl('n'));
        Assert.Equal("#a", state.Current.Name);
        Press(state, Ctrl('n'));
        Press(state, Ctrl('n'));
        Assert.Equal("server", state.Current.Name);
        Press(state, Ctrl('p'));
        Assert.Equal("#b", state.Current.Name);
    }

    [Fact]
    public void AltAJumpsToTheNextUnreadTabMentionsFirst()
    {
        var state = StateWithRooms("#a", "#b", "#c");
        state.AddLine(state.Rooms[1], new ChatLine(T, LineKind.Message, "x", "plain"));
        state.AddLine(state.Rooms[3], new ChatLine(T, LineKind.Message, "x", "ping me"));
        Press(state, Alt('a'));
        Assert.Equal("#c", state.Current.Name);
        Press(state, Alt('a'));
        Assert.Equal("#a", state.Current.Name);
        Assert.IsType<InputResult.None>(Press(state, Alt('a')));
    }

    [Fact]
    public void F2AndAltUToggleTheUserList()
    {
        var state = StateWithRooms();
        Press(state, K(Key.F2));
        Assert.False(state.ShowUserList);
        Press(state, Alt('u'));
        Assert.True(state.ShowUserList);
    }

    [Fact]
    public void CtrlLAsksForAFullRedraw() =>
        Assert.IsType<InputResult.FullRedraw>(Press(StateWithRooms(), Ctrl('l')));

    [Fact]
    public void CtrlCQuits()
    {
        var state = StateWithRooms();
        Type(state, "unsent");
        Assert.IsType<InputResult.Quit>(Press(state, Ctrl('c')));
    }

    [Fact]
    public void CtrlDQuitsOnlyOnAnEmptyLine()
    {
        var state = StateWithRooms();
        Type(state, "ab");
        Press(state, K(Key.Home));
        Assert.IsType<InputResult.Redraw>(Press(state, Ctrl('d')));
        Assert.Equal("b", state.Input.Text);
        Press(state, Ctrl('u'));
        Press(state, Ctrl('k'));
        Assert.IsType<InputResult.Quit>(Press(state, Ctrl('d')));
    }

    [Fact]
    public void PageKeysScrollTheMessagesAndCtrlHomeEndGoToTheEnds()
    {
        var state = StateWithRooms("#r");
        state.SwitchTo(1);
        var room = state.Current;
        room.PaneWidth = state.LastPaneWidth = 40;
        state.LastPaneHeight = 6;
        for (int i = 0; i < 30; i++)
            state.AddLine(room, new ChatLine(T, LineKind.Message, "x", $"line {i}"));

        Assert.IsType<InputResult.Redraw>(Press(state, K(Key.PageUp)));
        Assert.Equal(5, room.ScrollOffset);
        Press(state, K(Key.PageDown));
        Assert.Equal(0, room.ScrollOffset);
        Assert.IsType<InputResult.None>(Press(state, K(Key.PageDown)));
        Press(state, K(Key.Home, KeyModifiers.Ctrl));
        Assert.Equal(25, room.ScrollOffset);
        Press(state, K(Key.End, KeyModifiers.Alt));
        Assert.Equal(0, room.ScrollOffset);
        Press(state, K(Key.Home, KeyModifiers.Alt));
        Assert.Equal(25, room.ScrollOffset);
        Press(state, K(Key.End, KeyModifiers.Ctrl));
        Assert.Equal(0, room.ScrollOffset);
    }

    [Fact]
    public void PlainHomeAndEndEditTheInputNotTheScroll()
    {
        var state = StateWithRooms();
        Type(state, "abc");
        Press(state, K(Key.Home));
        Assert.Equal(0, state.Input.Cursor);
        Assert.Equal(0, state.Current.ScrollOffset);
    }

    [Fact]
    public void ASingleLinePasteIsInsertedNeverSent()
    {
        var state = StateWithRooms();
        Type(state, "say: ");
        Assert.IsType<InputResult.Redraw>(KeyBindings.Handle(new PasteEvent("hello\n"), state));
        Assert.Equal("say: hello", state.Input.Text);
        Assert.Null(state.PendingPaste);
    }

    [Fact]
    public void AMultiLinePasteWaitsForEnterAndIsInsertedAsOneMessage()
    {
        var state = StateWithRooms();
        KeyBindings.Handle(new PasteEvent("one\ntwo\nthree\n"), state);
        Assert.NotNull(state.PendingPaste);
        Assert.Equal(3, state.PendingPaste.LineCount);
        Assert.Equal("", state.Input.Text);

        Assert.IsType<InputResult.None>(Press(state, KeyEvent.Char('x'))); // other keys wait
        Assert.IsType<InputResult.Redraw>(Press(state, K(Key.Enter)));
        Assert.Null(state.PendingPaste);
        Assert.Equal("one\ntwo\nthree", state.Input.Text);
        Assert.Equal(new InputResult.Submit("one\ntwo\nthree"), Press(state, K(Key.Enter)));
    }

    [Fact]
    public void EscapeCancelsAPendingPaste()
    {
        var state = StateWithRooms();
        Type(state, "kept");
        KeyBindings.Handle(new PasteEvent("a\nb"), state);
        Press(state, K(Key.Escape));
        Assert.Null(state.PendingPaste);
        Assert.Equal("kept", state.Input.Text);
    }

    [Fact]
    public void PastedControlsAreDroppedAndTabsBecomeSpaces()
    {
        var state = StateWithRooms();
        KeyBindings.Handle(new PasteEvent("a\tb\u001b[31mc\u0007\u009b"), state);
        Assert.Equal("a    b[31mc", state.Input.Text);
    }

    [Fact]
    public void ResizeAsksForAFullRedraw() =>
        Assert.IsType<InputResult.FullRedraw>(KeyBindings.Handle(new ResizeEvent(80, 24), StateWithRooms()));

    [Fact]
    public void UnboundKeysDoNothing()
    {
        var state = StateWithRooms();
        Assert.IsType<InputResult.None>(Press(state, K(Key.F5)));
        Assert.IsType<InputResult.None>(Press(state, Ctrl('z')));
        Assert.IsType<InputResult.None>(Press(state, K(Key.Escape)));
        Assert.Equal("", state.Input.Text);
    }
}
