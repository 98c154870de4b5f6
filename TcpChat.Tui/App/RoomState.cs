namespace TcpChat.Tui.App;

/// <summary>
/// One tab: the status tab, a room or a private conversation. Holds its lines (the last <see cref="MaxLines"/>),
/// its users, its unread counters and where its message pane is scrolled to. Changed only through the UI loop.
/// </summary>
public sealed class RoomState
{
    /// <summary>How many lines a room keeps; older ones are dropped.</summary>
    public const int MaxLines = 5000;

    private static readonly StringComparer s_sortOrder = StringComparer.Create(System.Globalization.CultureInfo.InvariantCulture, ignoreCase: true);

    private readonly List<ChatLine> _lines = [];
    private readonly List<string> _users = [];
    private readonly HashSet<string> _userSet = new(StringComparer.OrdinalIgnoreCase); // the same nicks: a big room has thousands
    private readonly List<string> _speakers = []; // most recent first

    public RoomState(string name, RoomKind kind)
    {
        Name = name;
        Kind = kind;
    }

    public string Name { get; }
    public RoomKind Kind { get; }
    public IReadOnlyList<ChatLine> Lines => _lines;

    /// <summary>The nicks in the room, sorted alphabetically without regard to case.</summary>
    public IReadOnlyList<string> Users => _users;

    /// <summary>
    /// Set while the room is big (docs/PROTOCOL.md, "Big rooms"): the member count the server last gave. <see cref="Users"/>
    /// then holds only the pages fetched so far, and joins and parts are not announced. Null in a small room.
    /// </summary>
    public int? MemberCount { get; set; }

    /// <summary>How many are in the room: the server's count in a big room, else the list's.</summary>
    public int UserCount => MemberCount ?? _users.Count;

    /// <summary>In a big room: the position of the next page of members to fetch (NAMES from=).</summary>
    public int NextUsersFrom { get; set; }

    /// <summary>In a big room: every page was fetched (an empty or last page came).</summary>
    public bool UsersComplete { get; set; }

    /// <summary>In a big room: a page was asked for and has not arrived yet.</summary>
    public bool FetchingUsers { get; set; }

    /// <summary>Messages and actions that arrived while the tab was not the current one.</summary>
    public int Unread { get; set; }

    /// <summary>Of <see cref="Unread"/>, those that mention me (and, in a private tab, every message from the peer).</summary>
    public int UnreadMentions { get; set; }

    public string? Topic { get; set; }

    /// <summary>
    /// Rows scrolled up from the bottom of the message pane; 0 follows new lines. While it is above 0,
    /// <see cref="ChatState.AddLine"/> raises it by the rows a new line takes, so the view stays where it is.
    /// </summary>
    public int ScrollOffset { get; set; }

    /// <summary>Whether I am in the room (rooms only; false while disconnected, until rejoined).</summary>
    public bool Joined { get; set; }

    /// <summary>The width of the message pane the last time this tab was drawn (0 before); used to count wrapped rows.</summary>
    public int PaneWidth { get; set; }

    /// <summary>Nicks that spoke here, most recent first (for Tab completion).</summary>
    public IReadOnlyList<string> RecentSpeakers => _speakers;

    public bool HasUser(string nick) => _userSet.Contains(nick);

    public void SetUsers(IEnumerable<string> nicks)
    {
        _users.Clear();
        _userSet.Clear();
        AddUsers(nicks);
    }

    /// <summary>Adds a page of nicks (a big room's list is fetched page by page); those already here are skipped.</summary>
    public void AddUsers(IEnumerable<string> nicks)
    {
        foreach (string nick in nicks)
            if (!string.IsNullOrEmpty(nick) && _userSet.Add(nick))
                _users.Add(nick);
        _users.Sort(s_sortOrder);
    }

    /// <summary>Adds <paramref name="nick"/> in sorted position; false if it was already there.</summary>
    public bool AddUser(string nick)
    {
        if (string.IsNullOrEmpty(nick) || HasUser(nick))
            return false;
        _userSet.Add(nick);
        int index = _users.BinarySearch(nick, s_sortOrder);
        _users.Insert(index < 0 ? ~index : index, nick);
        return true;
    }

    public bool RemoveUser(string nick)
    {
        if (!_userSet.Remove(nick))
            return false;
        _users.RemoveAt(IndexOfUser(nick));
        return true;
    }

    /// <summary>Renames a user (in the list and among the recent speakers); false if <paramref name="oldNick"/> was not here.</summary>
    public bool RenameUser(string oldNick, string newNick)
    {
        int speaker = IndexOf(_speakers, oldNick);
        if (speaker >= 0)
            _speakers[speaker] = newNick;
        if (!RemoveUser(oldNick))
            return false;
        AddUser(newNick);
        return true;
    }

    /// <summary>Drops every line (/clear) and returns to the bottom.</summary>
    public void Clear()
    {
        _lines.Clear();
        HistoryExhausted = true; // what was cleared is not fetched back by scrolling
        ScrollOffset = 0;
        Unread = 0;
        UnreadMentions = 0;
    }

    /// <summary>The highest message id shown: history at or below it is already here (after a reconnect, say).</summary>
    public long LastId { get; private set; }

    /// <summary>The lowest message id shown; older pages are fetched with <c>HISTORY room before=OldestId</c>.</summary>
    public long? OldestId { get; private set; }

    /// <summary>Set when the server had no older messages to give.</summary>
    public bool HistoryExhausted { get; set; }

    /// <summary>An older page was asked for and has not arrived yet.</summary>
    public bool FetchingOlder { get; set; }

    /// <summary>Set when the user scrolls past the top; the controller then fetches an older page.</summary>
    public bool WantsOlder { get; set; }

    /// <summary>Inserts an older page (oldest first) above every line, keeping the view where it is.</summary>
    internal void Prepend(IReadOnlyList<ChatLine> older)
    {
        _lines.InsertRange(0, older);
        foreach (var line in older) NoteId(line);
        if (_lines.Count > MaxLines)
            _lines.RemoveRange(MaxLines, _lines.Count - MaxLines); // keep what the user is scrolling towards
    }

    private void NoteId(ChatLine line)
    {
        if (line.Id is not { } id) return;
        LastId = Math.Max(LastId, id);
        OldestId = OldestId is { } oldest ? Math.Min(oldest, id) : id;
    }

    internal void Append(ChatLine line)
    {
        NoteId(line);
        _lines.Add(line);
        if (_lines.Count > MaxLines)
            _lines.RemoveRange(0, _lines.Count - MaxLines);
    }

    internal void NoteSpeaker(string nick)
    {
        int index = IndexOf(_speakers, nick);
        if (index == 0)
            return;
        if (index > 0)
            _speakers.RemoveAt(index);
        _speakers.Insert(0, nick);
        if (_speakers.Count > 100)
            _speakers.RemoveAt(_speakers.Count - 1);
    }

    public override string ToString() => $"{Kind} {Name}";

    private int IndexOfUser(string nick) => IndexOf(_users, nick);

    private static int IndexOf(List<string> list, string nick)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], nick, StringComparison.OrdinalIgnoreCase))
                return i;
        return -1;
    }
}
