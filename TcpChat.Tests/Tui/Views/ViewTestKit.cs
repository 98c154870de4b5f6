using TcpChat.Tui.App;

namespace TcpChat.Tests.Tui.Views;

/// <summary>Shared helpers for the view tests: times in local time (the views show local time), states and lines.</summary>
internal static class ViewTestKit
{
    public static DateTimeOffset At(int hour, int minute) =>
        new(new DateTime(2025, 3, 1, hour, minute, 0, DateTimeKind.Local));

    public static ChatLine Msg(string nick, string text, int hour = 12, int minute = 0) =>
        new(At(hour, minute), LineKind.Message, nick, text);

    public static ChatLine Line(LineKind kind, string? nick, string text, int hour = 12, int minute = 0) =>
        new(At(hour, minute), kind, nick, text);

    /// <summary>A connected state with nick "me" whose current tab is a room "#lobby".</summary>
    public static ChatState Lobby(params ChatLine[] lines)
    {
        var state = new ChatState { Nick = "me", ServerLabel = "localhost:7777", Status = ConnectionStatus.Connected };
        var lobby = state.GetOrAddRoom("#lobby");
        lobby.Joined = true;
        state.SwitchTo(lobby);
        foreach (var line in lines)
            state.AddLine(lobby, line);
        return state;
    }

    /// <summary>The column where <paramref name="text"/> starts in row <paramref name="y"/>, by cells (wide graphemes count 2).</summary>
    public static int ColumnOf(TuiScreen buffer, int y, string text)
    {
        for (int x = 0; x < buffer.Width; x++)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = x; i < buffer.Width && sb.Length < text.Length; i++)
                sb.Append(buffer[i, y].Symbol);
            if (sb.ToString().StartsWith(text, StringComparison.Ordinal))
                return x;
        }
        return -1;
    }

    /// <summary>
    /// Every cell's symbol holds no control character, C1, DEL, bidi control (embeddings, overrides, isolates, marks)
    /// or invisible format character (zero-width space, word joiner, a joiner outside an emoji sequence).
    /// </summary>
    public static void NoControlCharacters(TuiScreen buffer)
    {
        for (int y = 0; y < buffer.Height; y++)
            for (int x = 0; x < buffer.Width; x++)
            {
                string symbol = buffer[x, y].Symbol;
                foreach (char c in symbol)
                {
                    bool joinerInEmoji = c == '\u200D' && symbol.Length > 2 && char.IsSurrogate(symbol[0]);
                    Assert.False(char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069'
                        or '\u200B' or '\u200C' or '\u200E' or '\u200F' or '\u2060' or '\u061C' or '\uFEFF' || (c == '\u200D' && !joinerInEmoji),
                        $"cell ({x},{y}) holds U+{(int)c:X4}");
                }
            }
    }
}
