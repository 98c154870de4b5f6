using TcpChat.Tui.App;
using TcpChat.Tui.Input;
using TcpChat.Tui.Terminal;

namespace TcpChat.Tui.Views;

/// <summary>
/// The bottom row: a prompt <c>[#lobby] </c> and the input, scrolled sideways so the cursor stays visible
/// (<see cref="LineEditor.ViewStart"/> keeps the scroll between frames); a newline in the input is drawn as a dim
/// <c>↵</c>. While a paste waits for confirmation the row shows the question instead. Returns where the terminal
/// cursor goes.
/// </summary>
public static class InputLineView
{
    public const string NewlineGlyph = "↵";

    public static (int X, int Y)? Render(Rect area, ScreenBuffer buffer, ChatState state)
    {
        if (area.IsEmpty)
            return null;
        var row = area.Row(0);

        if (state.PendingPaste is { } paste)
        {
            int used = buffer.SetString(row.X, row.Y, DisplayWidth.Truncate(paste.Prompt, row.Width, "…"), Theme.Question, row.Width);
            return (Math.Min(row.X + used, row.Right - 1), row.Y);
        }

        string roomName = DisplayWidth.Truncate(SafeText.Sanitize(state.Current.Name), Math.Max(1, row.Width / 3), "…");
        string prompt = $"[{roomName}] ";
        int promptWidth = DisplayWidth.Of(prompt);
        if (row.Width - promptWidth < 4)
        {
            prompt = "";
            promptWidth = 0;
        }
        buffer.SetString(row.X, row.Y, prompt, Theme.Prompt, row.Width);

        var input = state.Input;
        var cells = input.Graphemes.Select(Display).ToArray();
        int available = row.Width - promptWidth;
        int cursor = input.Cursor;
        int start = ScrollStart(cells, cursor, available, input.ViewStart);
        input.ViewStart = start;

        int x = row.X + promptWidth, cursorX = x;
        for (int i = start; i < cells.Length; i++)
        {
            if (i == cursor)
                cursorX = x;
            var (text, width, style) = cells[i];
            if (x + width > row.Right)
                break;
            buffer.SetString(x, row.Y, text, style, row.Right - x);
            x += width;
        }
        if (cursor >= cells.Length)
            cursorX = x;
        return (Math.Min(cursorX, row.Right - 1), row.Y);
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
