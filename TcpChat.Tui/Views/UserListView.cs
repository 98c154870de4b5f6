using TcpChat.Tui.App;
using TcpChat.Tui.Terminal;

namespace TcpChat.Tui.Views;

/// <summary>
/// The right column: a title with the count (<c>3 users</c>), then the nicks of the current room, one per row, in
/// their colours (mine bold), cut by display width with "…". When they do not all fit, the last row says <c>+N more</c>.
/// </summary>
public static class UserListView
{
    public static void Render(Rect area, ScreenBuffer buffer, ChatState state) =>
        Render(area, buffer, state.Current.Users, state.Nick, state.Current.UserCount);

    /// <param name="total">How many are in the room, when <paramref name="users"/> is only a part (a big room's first pages).</param>
    public static void Render(Rect area, ScreenBuffer buffer, IReadOnlyList<string> users, string? ownNick, int? total = null)
    {
        if (area.IsEmpty)
            return;
        // One column of padding on the left (the separator is just before the area).
        int x = area.X + 1, width = area.Width - 1;
        if (width <= 0)
        {
            x = area.X;
            width = area.Width;
        }
        int count = Math.Max(total ?? users.Count, users.Count);
        string title = count == 1 ? "1 user" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count:N0} users");
        buffer.SetString(x, area.Y, DisplayWidth.Truncate(title, width, "…"), Theme.Title, width);

        int rows = area.Height - 1;
        bool overflow = count > rows;
        int shown = overflow ? Math.Min(users.Count, Math.Max(0, rows - 1)) : users.Count;
        for (int i = 0; i < shown; i++)
        {
            string nick = users[i];
            bool own = ownNick is not null && string.Equals(nick, ownNick, StringComparison.OrdinalIgnoreCase);
            string text = DisplayWidth.Truncate(SafeText.Sanitize(nick), width, "…");
            buffer.SetString(x, area.Y + 1 + i, text, Theme.Nick(nick, own), width);
        }
        if (overflow && rows > 0)
            buffer.SetString(x, area.Y + rows, DisplayWidth.Truncate(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"+{count - shown:N0} more"), width, "…"), Theme.System, width);
    }
}
