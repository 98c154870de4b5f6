using TcpChat.Tui.App;

namespace TcpChat.Tui.Views;

/// <summary>
/// The top row, a reverse-video bar: <c> server | nick | connection state (detail) | room: topic</c>.
/// The server is the label from the command line, followed by the server's name from HELLO when known.
/// </summary>
public sealed class StatusLineView(ChatState state) : ChatViewBase(state)
{
    public const string Separator = " | ";

    protected override void Draw()
    {
        var state = State;
        this.FillRow(0, Theme.Bar);

        string server = SafeText.Sanitize(state.ServerLabel);
        if (!string.IsNullOrEmpty(state.ServerName) && !string.Equals(state.ServerName, state.ServerLabel, StringComparison.Ordinal))
            server = server.Length == 0 ? SafeText.Sanitize(state.ServerName) : $"{server} ({SafeText.Sanitize(state.ServerName)})";

        string status = state.Status switch
        {
            ConnectionStatus.Connected => "connected",
            ConnectionStatus.Connecting => "connecting",
            _ => "disconnected",
        };
        if (!string.IsNullOrEmpty(state.StatusDetail))
            status += $" ({SafeText.Sanitize(state.StatusDetail)})";

        var room = state.Current;
        string where = SafeText.Sanitize(room.Name);
        if (room.Kind == RoomKind.Room && !room.Joined)
            where += " (not joined)";
        if (!string.IsNullOrEmpty(room.Topic))
            where += ": " + SafeText.Sanitize(room.Topic);

        var parts = new List<(string Text, Style Style)>
        {
            (" " + server, Theme.Bar),
            (Separator, Theme.Bar),
            (SafeText.Sanitize(state.Nick ?? "(no nick)"), Theme.BarEmphasis),
            (Separator, Theme.Bar),
            (status, state.Status == ConnectionStatus.Connected ? Theme.Bar : Theme.BarEmphasis),
            (Separator, Theme.Bar),
            (where, Theme.BarEmphasis),
        };
        int x = 0;
        foreach (var (text, style) in parts)
            x += this.Put(x, 0, text, style);
    }
}
