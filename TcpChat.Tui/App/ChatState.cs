using System.Globalization;
using System.Text;
using TcpChat.Tui.Input;
using TcpChat.Tui.Views;

namespace TcpChat.Tui.App;

/// <summary>
/// Everything the client screen shows: the connection, the tabs (rooms) and their lines, the input line.
/// Owned by the UI loop (no locks). The views read it; <see cref="KeyBindings"/> and the controller change it.
/// </summary>
public sealed class ChatState
{
    /// <summary>The name of the first tab, which holds server notices, errors and help.</summary>
    public const string StatusRoomName = "server";

    /// <summary>The slash commands offered by Tab completion.</summary>
    public static IReadOnlyList<string> Commands { get; } =
        ["/join", "/part", "/msg", "/query", "/me", "/nick", "/register", "/names", "/close", "/clear", "/help", "/quit"];

    private readonly List<RoomState> _rooms = [new RoomState(StatusRoomName, RoomKind.Status)];

    /// <summary>Where we connect, as given on the command line, e.g. "localhost:7777".</summary>
    public string ServerLabel { get; set; } = "";

    /// <summary>The server's name from HELLO, once known.</summary>
    public string? ServerName { get; set; }

    /// <summary>My nick once the server accepted it.</summary>
    public string? Nick { get; set; }

    public ConnectionStatus Status { get; set; } = ConnectionStatus.Connecting;

    /// <summary>More about <see cref="Status"/>, e.g. "reconnecting in 4 s"; empty for nothing.</summary>
    public string? StatusDetail { get; set; }

    /// <summary>The tabs in order; index 0 is always the status tab.</summary>
    public IReadOnlyList<RoomState> Rooms => _rooms;

    public RoomState StatusRoom => _rooms[0];

    public int CurrentIndex { get; private set; }

    public RoomState Current => _rooms[CurrentIndex];

    /// <summary>Whether the user list is shown (F2 / Alt+U). It is shown only for rooms, not the status or private tabs.</summary>
    public bool ShowUserList { get; set; } = true;

    public LineEditor Input { get; } = new();

    public bool BellOnMention { get; set; } = true;

    /// <summary>Mentions (and private messages) since the host last rang the bell; the host rings it and sets this to 0.</summary>
    public int PendingBells { get; set; }

    /// <summary>A paste of several lines waiting for Enter (insert) or Esc (drop).</summary>
    public PendingPaste? PendingPaste { get; set; }

    /// <summary>Rows of the message pane at the last render (for PgUp/PgDn); set by the view.</summary>
    public int LastPaneHeight { get; set; }

    /// <summary>Columns of the message pane at the last render; set by the view.</summary>
    public int LastPaneWidth { get; set; }

    /// <summary>
    /// The tab named <paramref name="name"/> (case-insensitive), added at the end if there is none: a name starting
    /// with '#' is a room, anything else a private conversation. The status tab is never returned: a user may be
    /// called "server" too; use <see cref="StatusRoom"/> for it.
    /// </summary>
    public RoomState GetOrAddRoom(string name)
    {
        if (FindRoom(name) is { } room)
            return room;
        room = new RoomState(name, name.StartsWith('#') ? RoomKind.Room : RoomKind.Private);
        _rooms.Add(room);
        return room;
    }

    /// <summary>The room or private tab named <paramref name="name"/> (case-insensitive); never the status tab.</summary>
    public RoomState? FindRoom(string name)
    {
        for (int i = 1; i < _rooms.Count; i++)
            if (string.Equals(_rooms[i].Name, name, StringComparison.OrdinalIgnoreCase))
                return _rooms[i];
        return null;
    }

    /// <summary>Closes a room or private tab (never the status tab). If it was current, the tab before it becomes current.</summary>
    public void RemoveRoom(string name)
    {
        var room = FindRoom(name);
        if (room is null)
            return;
        int index = _rooms.IndexOf(room);
        _rooms.RemoveAt(index);
        if (index < CurrentIndex)
            CurrentIndex--;
        else if (index == CurrentIndex)
            SwitchTo(Math.Max(0, index - 1));
    }

    /// <summary>
    /// Appends a line to <paramref name="room"/>. Sets <see cref="ChatLine.Own"/> and <see cref="ChatLine.Mention"/>;
    /// when the room is not current, counts messages and actions from others as unread (mentions, and every message
    /// in a private tab, also as <see cref="RoomState.UnreadMentions"/>); system, info and error lines never count.
    /// A mention or private message rings the bell (<see cref="PendingBells"/>) when <see cref="BellOnMention"/>.
    /// If the room is scrolled back, its offset grows by the rows the line takes, so the view does not move.
    /// </summary>
    public void AddLine(RoomState room, ChatLine line)
    {
        bool spoken = line.IsSpoken;
        line.Own = spoken && SameNick(line.Nick, Nick);
        line.Mention = spoken && !line.Own && Nick is { Length: > 0 } && Mentions(line.Text, Nick);
        bool fromOther = spoken && !line.Own;
        bool addressed = line.Mention || (fromOther && room.Kind == RoomKind.Private);

        if (fromOther && line.Nick is { Length: > 0 } speaker)
            room.NoteSpeaker(speaker);
        if (fromOther && !ReferenceEquals(room, Current))
        {
            room.Unread++;
            if (addressed)
                room.UnreadMentions++;
        }
        if (addressed && BellOnMention)
            PendingBells++;
        if (room.ScrollOffset > 0)
            room.ScrollOffset += MessageLayout.RowCount(line, room.PaneWidth);
        room.Append(line);
    }

    /// <summary>
    /// Adds messages that were said before (history), oldest first: never counted as unread, never a bell. Older pages
    /// go above every line; a catch-up (on join or after a reconnect) goes below, skipping what is already shown, and
    /// is followed by a marker where the live messages begin.
    /// </summary>
    public void AddHistory(RoomState room, IReadOnlyList<ChatLine> lines, bool older)
    {
        foreach (var line in lines)
        {
            line.Own = line.IsSpoken && SameNick(line.Nick, Nick);
            line.Mention = line.IsSpoken && !line.Own && Nick is { Length: > 0 } && Mentions(line.Text, Nick);
        }
        if (older)
        {
            var fresh = lines.Where(l => room.OldestId is not { } oldest || l.Id < oldest).ToList();
            room.Prepend(fresh);
            return;
        }
        var missed = lines.Where(l => l.Id > room.LastId).ToList();
        if (missed.Count == 0) return;
        foreach (var line in missed)
        {
            if (room.ScrollOffset > 0) room.ScrollOffset += MessageLayout.RowCount(line, room.PaneWidth);
            room.Append(line);
        }
        var marker = new ChatLine(DateTimeOffset.Now, LineKind.Info, null, LiveMarker);
        if (room.ScrollOffset > 0) room.ScrollOffset += MessageLayout.RowCount(marker, room.PaneWidth);
        room.Append(marker);
    }

    /// <summary>The line that separates history from live messages.</summary>
    public const string LiveMarker = "── history above · live messages below ──";

    /// <summary>Makes tab <paramref name="index"/> current and clears its unread counters; false if there is no such tab.</summary>
    public bool SwitchTo(int index)
    {
        if (index < 0 || index >= _rooms.Count)
            return false;
        CurrentIndex = index;
        Current.Unread = 0;
        Current.UnreadMentions = 0;
        return true;
    }

    public bool SwitchTo(RoomState room)
    {
        int index = _rooms.IndexOf(room);
        return index >= 0 && SwitchTo(index);
    }

    /// <summary>The next tab, wrapping around.</summary>
    public void Next() => SwitchTo((CurrentIndex + 1) % _rooms.Count);

    /// <summary>The previous tab, wrapping around.</summary>
    public void Previous() => SwitchTo((CurrentIndex + _rooms.Count - 1) % _rooms.Count);

    /// <summary>Goes to the next tab (after the current one, wrapping) with mentions, or else with any unread line; false if none.</summary>
    public bool NextUnread()
    {
        foreach (bool mentionsOnly in new[] { true, false })
        {
            for (int step = 1; step < _rooms.Count; step++)
            {
                int index = (CurrentIndex + step) % _rooms.Count;
                var room = _rooms[index];
                if (mentionsOnly ? room.UnreadMentions > 0 : room.Unread > 0)
                    return SwitchTo(index);
            }
        }
        return false;
    }

    /// <summary>Notes that <paramref name="nick"/> spoke in <paramref name="room"/> (completion offers recent speakers first).</summary>
    public void NoteSpeaker(string room, string nick)
    {
        if (!string.IsNullOrEmpty(nick) && !SameNick(nick, Nick))
            FindRoom(room)?.NoteSpeaker(nick);
    }

    /// <summary>
    /// What Tab may put in place of the word <paramref name="prefix"/>: for a word starting with '/', the
    /// <see cref="Commands"/>; otherwise the nicks of the current tab (its users, and the peer of a private tab)
    /// that start with it, case-insensitively: recent speakers first, then alphabetically, my own nick last.
    /// </summary>
    public IReadOnlyList<string> CompletionCandidates(string prefix)
    {
        if (prefix.StartsWith('/'))
            return Commands.Where(c => c.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();

        var room = Current;
        var pool = new List<string>(room.Users);
        if (room.Kind == RoomKind.Private && !pool.Contains(room.Name, StringComparer.OrdinalIgnoreCase))
            pool.Add(room.Name);

        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool Matches(string nick) => nick.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && !SameNick(nick, Nick);
        foreach (string speaker in room.RecentSpeakers)
        {
            string? nick = pool.FirstOrDefault(u => string.Equals(u, speaker, StringComparison.OrdinalIgnoreCase));
            if (nick is not null && Matches(nick) && seen.Add(nick))
                result.Add(nick);
        }
        foreach (string nick in pool)
            if (Matches(nick) && seen.Add(nick))
                result.Add(nick);
        if (Nick is { Length: > 0 } own && own.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && pool.Contains(own, StringComparer.OrdinalIgnoreCase))
            result.Add(own);
        return result;
    }

    /// <summary>Scrolls the current tab up (back in time) by <paramref name="rows"/>, no further than its first line.</summary>
    public void ScrollUp(int rows)
    {
        var room = Current;
        if (room.ScrollOffset >= MaxScroll(room) && rows > 0)
            room.WantsOlder = true; // already at the top: ask the server for an older page
        room.ScrollOffset = Math.Min(MaxScroll(room), room.ScrollOffset + Math.Max(0, rows));
    }

    /// <summary>Scrolls the current tab down by <paramref name="rows"/>; at 0 it follows new lines again.</summary>
    public void ScrollDown(int rows)
    {
        var room = Current;
        room.ScrollOffset = Math.Clamp(room.ScrollOffset - Math.Max(0, rows), 0, MaxScroll(room));
    }

    /// <summary>The rows PgUp/PgDn move: the pane height less one row of context.</summary>
    public int PageSize => Math.Max(1, LastPaneHeight - 1);

    public void PageUp() => ScrollUp(PageSize);
    public void PageDown() => ScrollDown(PageSize);
    public void ScrollToTop() => Current.ScrollOffset = MaxScroll(Current);
    public void ScrollToBottom() => Current.ScrollOffset = 0;

    /// <summary>
    /// The largest useful <see cref="RoomState.ScrollOffset"/> for <paramref name="room"/> with a pane of
    /// <see cref="LastPaneHeight"/> rows: the one that shows its first row at the top (one row is the "more below" marker).
    /// </summary>
    public int MaxScroll(RoomState room)
    {
        int height = Math.Max(1, LastPaneHeight);
        int total = MessageLayout.TotalRows(room.Lines, room.PaneWidth > 0 ? room.PaneWidth : LastPaneWidth);
        return total <= height ? 0 : total - Math.Max(1, height - 1);
    }

    /// <summary>Whether <paramref name="text"/> names <paramref name="nick"/> as a whole word, case-insensitively.</summary>
    public static bool Mentions(string text, string nick)
    {
        if (string.IsNullOrEmpty(nick) || string.IsNullOrEmpty(text))
            return false;
        try
        {
            text = text.Normalize(NormalizationForm.FormC);
            nick = nick.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // invalid UTF-16 (lone surrogates): search as is
        }
        for (int at = text.IndexOf(nick, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = at + 1 < text.Length ? text.IndexOf(nick, at + 1, StringComparison.OrdinalIgnoreCase) : -1)
        {
            bool startOk = at == 0 || Rune.DecodeLastFromUtf16(text.AsSpan(0, at), out Rune before, out _) != System.Buffers.OperationStatus.Done || !IsNickRune(before);
            int end = at + nick.Length;
            bool endOk = end >= text.Length || Rune.DecodeFromUtf16(text.AsSpan(end), out Rune after, out _) != System.Buffers.OperationStatus.Done || !IsNickRune(after);
            if (startOk && endOk)
                return true;
        }
        return false;
    }

    // Letters, digits, marks, '_' and '-' glue to a nick; '.' does not (so "bob." mentions bob).
    private static bool IsNickRune(Rune rune) =>
        Rune.IsLetterOrDigit(rune) || rune.Value is '_' or '-'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static bool SameNick(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A paste of several lines, waiting for the user to confirm it (Enter inserts it into the input, Esc drops it).</summary>
public sealed record PendingPaste(string Text)
{
    public int LineCount => Text.Split('\n').Length;

    public string Prompt => $"Paste {LineCount} lines? Enter = insert as one multi-line message, Esc = cancel";
}
