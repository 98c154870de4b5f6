using TcpChat.Tui.App;
using TcpChat.Tui.Terminal;

namespace TcpChat.Tui.Views;

/// <summary>
/// The whole screen: the status line on top; the room bar and the input line at the bottom; the message pane in
/// between, with the user list on the right (after a one-column separator) when it is switched on, the current tab
/// is a room and the terminal is at least <see cref="MinWidthForUserList"/> wide. A terminal smaller than
/// <see cref="MinWidth"/>x<see cref="MinHeight"/> gets a centred notice instead.
/// </summary>
public static class MainView
{
    public const int MinWidth = 40;
    public const int MinHeight = 8;
    public const int UserListWidth = 18;
    public const int MinWidthForUserList = 60;
    public const string SeparatorGlyph = "│";

    /// <summary>Draws the screen into <paramref name="buffer"/> (expected blank) and returns where the cursor goes, or null to hide it.</summary>
    public static (int X, int Y)? Render(ScreenBuffer buffer, ChatState state)
    {
        var area = buffer.Area;
        if (area.IsEmpty)
            return null;
        if (area.Width < MinWidth || area.Height < MinHeight)
        {
            RenderTooSmall(area, buffer);
            return null;
        }

        var (status, rest) = area.SplitTop(1);
        var (middle, bottom) = rest.SplitBottom(2);
        var (roomBar, input) = bottom.SplitTop(1);

        var pane = middle;
        if (ShowsUserList(area.Width, state))
        {
            (pane, var right) = middle.SplitRight(UserListWidth + 1);
            var (separator, list) = right.SplitLeft(1);
            buffer.Fill(separator, new Cell(SeparatorGlyph, Theme.Separator));
            UserListView.Render(list, buffer, state);
        }

        StatusLineView.Render(status, buffer, state);
        MessagePaneView.Render(pane, buffer, state);
        RoomBarView.Render(roomBar, buffer, state);
        return InputLineView.Render(input, buffer, state);
    }

    public static bool ShowsUserList(int width, ChatState state) =>
        state.ShowUserList && state.Current.Kind == RoomKind.Room && width >= MinWidthForUserList;

    /// <summary>"Terminal too small (WxH); need at least 40x8", wrapped and centred in whatever space there is.</summary>
    public static void RenderTooSmall(Rect area, ScreenBuffer buffer)
    {
        if (area.IsEmpty)
            return;
        string notice = $"Terminal too small ({area.Width}x{area.Height}); need at least {MinWidth}x{MinHeight}";
        var lines = TextWrap.Wrap(notice, area.Width);
        int top = area.Y + Math.Max(0, (area.Height - lines.Count) / 2);
        for (int i = 0; i < lines.Count && top + i < area.Bottom; i++)
        {
            int width = DisplayWidth.Of(lines[i]);
            int x = area.X + Math.Max(0, (area.Width - width) / 2);
            buffer.SetString(x, top + i, lines[i], Theme.Notice, area.Right - x);
        }
    }
}
