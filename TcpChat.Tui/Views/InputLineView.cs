using TcpChat.Tui.App;
using TcpChat.Tui.Input;
using Terminal.Gui.Drivers;

namespace TcpChat.Tui.Views;

/// <summary>
/// The bottom row: a prompt <c>[#lobby] </c> and the input, scrolled sideways so the cursor stays visible
/// (<see cref="LineEditor.ViewStart"/> keeps the scroll between frames); a newline in the input is drawn as a dim
/// <c>↵</c>. While a paste waits for confirmation the row shows the question instead. It is the focused view, and
/// puts the terminal cursor where the next character goes (<see cref="CursorColumn"/>).
/// </summary>
public sealed class InputLineView : ChatViewBase
{
    public InputLineView(ChatState state) : base(state)
    {
        CanFocus = true;
    }

    /// <summary>The column of the cursor in this view after the last draw, or null when there is none.</summary>
    public int? CursorColumn { get; private set; }

    /// <summary>Its drawing also places the terminal cursor: it is drawn whenever anything changed.</summary>
    protected override bool AlwaysRedraw => true;

    protected override void Draw()
    {
        CursorColumn = Render(State);
        Cursor = CursorColumn is { } x
            ? new Cursor { Position = ViewportToScreen(new System.Drawing.Point(x, 0)), Style = CursorStyle.Default }
            : new Cursor { Position = null };
    }

    public const string NewlineGlyph = "↵";

    private int? Render(ChatState state)
    {
        int rowWidth = Viewport.Width;
        if (rowWidth <= 0 || Viewport.Height <= 0)
            return null;

        if (state.PendingPaste is { } paste)
        {
            int used = this.Put(0, 0, DisplayWidth.Truncate(paste.Prompt, rowWidth, "…"), Theme.Question, rowWidth);
            return Math.Min(used, rowWidth - 1);
        }

        string roomName = DisplayWidth.Truncate(SafeText.Sanitize(state.Current.Name), Math.Max(1, rowWidth / 3), "…");
        string prompt = $"[{roomName}] ";
        int promptWidth = DisplayWidth.Of(prompt);
        if (rowWidth - promptWidth < 4)
        {
            prompt = "";
            promptWidth = 0;
        }
        this.Put(0, 0, prompt, Theme.Prompt, rowWidth);

        var input = state.Input;
        var cells = input.Graphemes.Select(Display).ToArray();
        int available = rowWidth - promptWidth;
        int cursor = input.Cursor;
        int start = ScrollStart(cells, cursor, available, input.ViewStart);
        input.ViewStart = start;

        int x = promptWidth, cursorX = x;
        for (int i = start; i < cells.Length; i++)
        {
            if (i == cursor)
                cursorX = x;
            var (text, width, style) = cells[i];
            if (x + width > rowWidth)
                break;
            this.Put(x, 0, text, style, rowWidth - x);
            x += width;
        }
        if (cursor >= cells.Length)
            cursorX = x;
        return Math.Min(cursorX, rowWidth - 1);
    }

    // The first grapheme to show so that the cursor cell fits in `available` columns, starting from the previous
    // frame's choice: scrolls only as far as needed, and back when the text has room again.
    private static int ScrollStart((string Text, int Width, Style Style)[] cells, int cursor, int available, int previous)
    {
        int Width(int from, int to)
        {
            int w = 0;
            for (int i = from; i < to; i++)
                w += cells[i].Width;
            return w;
        }

        int start = Math.Clamp(previous, 0, cursor);
        if (cursor < previous)
            start = Math.Max(0, cursor - Math.Max(1, available / 4)); // moving left past the edge: show some context
        while (start < cursor && Width(start, cursor) + 1 > available)
            start++;
        while (start > 0 && Width(start - 1, cells.Length) + 1 <= available)
            start--;
        return start;
    }

    private static (string Text, int Width, Style Style) Display(string grapheme)
    {
        if (grapheme == "\n")
            return (NewlineGlyph, 1, Theme.Newline);
        string safe = SafeText.Sanitize(grapheme);
        if (!ReferenceEquals(safe, grapheme) && safe != grapheme)
            return (safe, DisplayWidth.Of(safe), Theme.Placeholder);
        int width = DisplayWidth.OfGrapheme(grapheme);
        return width == 0 ? ("", 0, Style.Default) : (grapheme, width, Style.Default);
    }
}
