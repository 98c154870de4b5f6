using TcpChat.Tui.App;

namespace TcpChat.Tui.Views;

/// <summary>
/// The right column: a title with the count (<c>3 users</c>), then the nicks of the current room, one per row, in
/// their colours (mine bold), cut by display width with "…". When they do not all fit, the last row says <c>+N more</c>.
/// </summary>
public sealed class UserListView(ChatState state) : ChatViewBase(state)
{
    protected override void Draw()
    {
        var users = State.Current.Users;
        string? ownNick = State.Nick;
        var area = Viewport;
        if (area.Width <= 0 || area.Height <= 0)
            return;
        // One column of padding on the left (the separator is just before the area).
        int x = 1, width = area.Width - 1;
        if (width <= 0)
        {
            x = 0;
            width = area.Width;
        }
        int count = Math.Max(State.Current.UserCount, users.Count);
        string title = count == 1 ? "1 user" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{count:N0} users");
        this.Put(x, 0, DisplayWidth.Truncate(title, width, "…"), Theme.Title, width);

        int rows = area.Height - 1;
        bool overflow = count > rows;
        int shown = overflow ? Math.Min(users.Count, Math.Max(0, rows - 1)) : users.Count;
        for (int i = 0; i < shown; i++)
        {
            string nick = users[i];
            bool own = ownNick is not null && string.Equals(nick, ownNick, StringComparison.OrdinalIgnoreCase);
            string text = DisplayWidth.Truncate(SafeText.Sanitize(nick), width, "…");
            this.Put(x, 1 + i, text, Theme.Nick(nick, own), width);
        }
        if (overflow && rows > 0)
            this.Put(x, rows, DisplayWidth.Truncate(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"+{count - shown:N0} more"), width, "…"), Theme.System, width);
    }
}
