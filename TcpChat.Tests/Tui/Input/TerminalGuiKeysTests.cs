using TcpChat.Tui.Input;
using TgKey = Terminal.Gui.Input.Key;

namespace TcpChat.Tests.Tui.Input;

public class TerminalGuiKeysTests
{
    public static TheoryData<TgKey, KeyEvent> Keys => new()
    {
        { TgKey.A, KeyEvent.Char('a') },
        { TgKey.A.WithShift, KeyEvent.Char('A') },
        { new TgKey('é'), KeyEvent.Char('é') },
        { new TgKey("漢"), KeyEvent.Char('漢') },
        { TgKey.D3.WithAlt, KeyEvent.Char('3', KeyModifiers.Alt) },
        { TgKey.U.WithAlt, KeyEvent.Char('u', KeyModifiers.Alt) },
        { TgKey.W.WithCtrl, KeyEvent.Char('w', KeyModifiers.Ctrl) },
        { TgKey.C.WithCtrl, KeyEvent.Char('c', KeyModifiers.Ctrl) },
        { TgKey.Enter, new KeyEvent(Key.Enter) },
        { TgKey.Enter.WithAlt, new KeyEvent(Key.Enter, KeyModifiers.Alt) },
        { TgKey.M.WithCtrl.WithAlt, new KeyEvent(Key.Enter, KeyModifiers.Alt) }, // ESC CR as the parser decodes it
        { TgKey.Tab, new KeyEvent(Key.Tab) },
        { TgKey.Tab.WithShift, new KeyEvent(Key.BackTab) },
        { TgKey.CursorLeft.WithCtrl, new KeyEvent(Key.Left, KeyModifiers.Ctrl) },
        { TgKey.Home.WithAlt, new KeyEvent(Key.Home, KeyModifiers.Alt) },
        { TgKey.PageUp, new KeyEvent(Key.PageUp) },
        { TgKey.F2, new KeyEvent(Key.F2) },
        { TgKey.Esc, new KeyEvent(Key.Escape) },
        { TgKey.Backspace.WithAlt, new KeyEvent(Key.Backspace, KeyModifiers.Alt) },
        { TgKey.Space, KeyEvent.Char(' ') },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void TerminalGuiKeysBecomeTheClientsKeys(TgKey key, KeyEvent expected) =>
        Assert.Equal(expected, TerminalGuiKeys.ToKeyEvent(key));

    [Fact]
    public void TheApplicationReadsInputThroughTheClientsOwnInput()
    {
        // Terminal.Gui 2.5.0 takes a component factory only through a constructor it does not make public: if a
        // version changes that, Alt+key followed by typing would be lost again, and this says so.
        var (app, input, _) = TcpChat.Tui.App.ChatApplication.Create();
        using (app)
            Assert.NotNull(input);
    }
}
