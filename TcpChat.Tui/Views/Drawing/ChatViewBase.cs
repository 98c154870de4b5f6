using Terminal.Gui.Drawing;
using Terminal.Gui.ViewBase;

namespace TcpChat.Tui.Views;

/// <summary>
/// A view of the chat screen: draws from the <see cref="App.ChatState"/> it is given, every cell of its area in the
/// client's <see cref="Theme"/> (the toolkit's own clearing and colour scheme are not used, so the terminal's default
/// colours show through and NO_COLOR holds).
/// </summary>
public abstract class ChatViewBase : View
{
    protected ChatViewBase(App.ChatState state)
    {
        State = state;
    }

    protected App.ChatState State { get; }

    /// <summary>Draws the content; the area has been cleared to spaces in the default style.</summary>
    protected abstract void Draw();

    /// <summary>Raised when the view changed the state itself (a mouse wheel or click): the screen needs a new frame.</summary>
    public event Action? StateChanged;

    protected void OnStateChanged() => StateChanged?.Invoke();

    protected override bool OnClearingViewport() => true;

    protected override bool OnDrawingContent(DrawContext? context)
    {
        this.Clear();
        Draw();
        // Cells were written, so the terminal cursor has moved: put it back at the input line after this frame.
        // (The client's loop clears the flag before each iteration, so an idle frame writes nothing.)
        App?.Driver?.SetCursorNeedsUpdate(true);
        return true;
    }
}
