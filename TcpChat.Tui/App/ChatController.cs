using System.Globalization;
using TcpChat.Protocol;
using TcpChat.Tui.Net;

namespace TcpChat.Tui.App;

/// <summary>
/// Turns what the server says into <see cref="ChatState"/>, and what the user types into frames. Runs on the UI
/// loop only, so the state needs no locks; frames go out through <see cref="_send"/>, which may be a live
/// connection or, in tests, a list.
/// </summary>
public sealed partial class ChatController
{
    private readonly ClientOptions _options;
    private Action<byte[]> _send = _ => { };
    private string _wantedNick;
    private readonly List<string> _wantedRooms = new(); // rejoined after a reconnect, in this order
    private readonly HashSet<string> _switchOnJoin = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _printNames = new(StringComparer.OrdinalIgnoreCase);
    private bool _registered;
    private readonly Dictionary<string, HistoryBatch> _history = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _olderRequested = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _pageFrom = new(StringComparer.OrdinalIgnoreCase); // MEMBERS from=: a page follows
    private int _namesPage = DefaultNamesPage;

    /// <summary>Nicks per NAMES page until HELLO says (names=).</summary>
    public const int DefaultNamesPage = 200;

    /// <summary>A HISTORY header announces how many MSG frames follow; they are gathered, then shown at once.</summary>
    private sealed class HistoryBatch(int remaining, bool older, int requested)
    {
        public int Remaining = remaining;
        public bool Older { get; } = older;
        public int Requested { get; } = requested;
        public List<ChatLine> Lines { get; } = new();
    }

    /// <summary>Messages per older page fetched when the user scrolls past the top.</summary>
    public const int OlderPageSize = 50;

    public ChatController(ChatState state, ClientOptions options)
    {
        State = state;
        _options = options;
        _wantedNick = options.Nick;
        State.BellOnMention = options.Bell;
        foreach (var room in options.Rooms) AddWanted(NormalizeRoomInput(room));
        _switchOnJoin.UnionWith(_wantedRooms);
    }

    public ChatState State { get; }

    /// <summary>Set when the user asked to leave (/quit); the app exits once the server says BYE or at once if offline.</summary>
    public bool QuitRequested { get; private set; }

    public void Connecting(string detail)
    {
        State.Status = ConnectionStatus.Connecting;
        State.StatusDetail = detail;
    }

    /// <summary>A new connection is up: register again and rejoin every room the user was in.</summary>
    public void Connected(Action<byte[]> send)
    {
        _send = send;
        _registered = false;
        State.Status = ConnectionStatus.Connected;
        State.StatusDetail = "";
        Info(State.Rooms[0], $"connected to {State.ServerLabel}");
        if (_options.ServerPassword is { } serverPassword) Send(w => FrameWriter.Write(w, Verb.Pass, serverPassword));
        SendNick(_wantedNick);
    }

    public void Disconnected(string reason, TimeSpan? retryIn)
    {
        _send = _ => { };
        _registered = false;
        _history.Clear();
        _olderRequested.Clear();
        _pageFrom.Clear();
        State.Status = ConnectionStatus.Disconnected;
        State.StatusDetail = retryIn is { } t ? $"reconnecting in {Math.Ceiling(t.TotalSeconds):0} s" : "";
        string line = retryIn is { } d
            ? $"disconnected: {reason}; reconnecting in {d.TotalSeconds:0.0} s"
            : $"disconnected: {reason}";
        foreach (var room in State.Rooms)
        {
            if (room.Kind == RoomKind.Room) room.Joined = false;
            room.FetchingOlder = false;
            room.FetchingUsers = false;
            Info(room, line);
        }
    }

    /// <summary>Applies one frame from the server.</summary>
    public void Apply(ServerFrame f)
    {
        switch (f.Verb)
        {
            case Verb.Hello:
                State.ServerName = f.Arg(1);
                _namesPage = NamesPageOf(f.Args);
                break;
            case Verb.Members: OnMembers(f.Arg(0), f.Arg(1), f.Arg(2)); break;
            case Verb.Nick: OnNick(f.Arg(0), f.Arg(1)); break;
            case Verb.Join: OnJoin(f.Arg(0), f.Arg(1)); break;
            case Verb.Part: OnPart(f.Arg(0), f.Arg(1), f.Text); break;
            case Verb.Quit: OnQuit(f.Arg(0), f.Text); break;
            case Verb.Msg: OnMessage(f); break;
            case Verb.Names: OnNames(f.Arg(0), f.Text ?? ""); break;
            case Verb.History: OnHistory(f.Arg(0), f.Arg(1)); break;
            case Verb.Err: OnError(f.Arg(0), f.Arg(1), f.Text ?? ""); break;
            case Verb.Bye: Info(State.Rooms[0], $"server: {f.Text}"); break;
            case Verb.Register: Info(State.Current, $"{f.Arg(0)} is registered: next time, give its password (password = in the config file)"); break;
            case Verb.Ping:
                string token = f.Arg(0);
                Send(w => { if (token.Length > 0) FrameWriter.Write(w, Verb.Pong, token); else FrameWriter.Write(w, Verb.Pong); });
                break;
        }
    }

    private void OnNick(string old, string nick)
    {
        bool mine = old == "*" || Same(old, State.Nick);
        if (mine)
        {
            State.Nick = nick;
            _wantedNick = nick;
            if (old == "*")
            {
                _registered = true;
                Info(State.Rooms[0], $"you are {nick}");
                foreach (var room in _wantedRooms.ToList()) Send(w => FrameWriter.Write(w, Verb.Join, room));
                return;
            }
        }
        foreach (var room in State.Rooms)
        {
            if (room.Kind == RoomKind.Room && room.HasUser(old))
            {
                room.RenameUser(old, nick);
                State.AddLine(room, new ChatLine(DateTimeOffset.Now, LineKind.Nick, old,
                    mine ? $"you are now known as {nick}" : $"{old} is now known as {nick}"));
            }
        }
    }

    private void OnJoin(string roomName, string nick)
    {
        var room = State.GetOrAddRoom(roomName);
        room.AddUser(nick);
        if (Same(nick, State.Nick))
        {
            room.Joined = true;
            AddWanted(room.Name);
            // Rooms the user asked for come to the front; so does the first room at all (the server's default room),
            // rather than leaving the user in the server tab.
            if (_switchOnJoin.Remove(roomName) || State.Current.Kind == RoomKind.Status) State.SwitchTo(room);
        }
        State.AddLine(room, new ChatLine(DateTimeOffset.Now, LineKind.Join, nick, $"{nick} joined {room.Name}"));
    }

    private void OnPart(string roomName, string nick, string? text)
    {
        var room = State.FindRoom(roomName);
        if (room is null) return;
        string reason = string.IsNullOrEmpty(text) ? "" : $" ({text})";
        if (Same(nick, State.Nick))
        {
            _wantedRooms.RemoveAll(r => Same(r, roomName));
            State.RemoveRoom(room.Name);
            Info(State.Current, $"you left {room.Name}{reason}");
            return;
        }
        room.RemoveUser(nick);
        State.AddLine(room, new ChatLine(DateTimeOffset.Now, LineKind.Part, nick, $"{nick} left {room.Name}{reason}"));
    }

    private void OnQuit(string nick, string? text)
    {
        string reason = string.IsNullOrEmpty(text) ? "" : $" ({text})";
        foreach (var room in State.Rooms)
        {
            bool here = room.Kind == RoomKind.Room ? room.HasUser(nick) : room.Kind == RoomKind.Private && Same(room.Name, nick);
            if (!here) continue;
            room.RemoveUser(nick);
            State.AddLine(room, new ChatLine(DateTimeOffset.Now, LineKind.Quit, nick, $"{nick} quit{reason}"));
        }
    }

    // MSG <target> <sender> <id> <time> <text>
    private void OnMessage(ServerFrame f)
    {
        string target = f.Arg(0), sender = f.Arg(1), text = f.Text ?? "";
        bool mine = Same(sender, State.Nick);
        string roomName = target.StartsWith('#') ? target : mine ? target : sender;
        var room = State.GetOrAddRoom(roomName);
        var time = DateTimeOffset.TryParse(f.Arg(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToLocalTime() : DateTimeOffset.Now;
        var kind = LineKind.Message;
        if (text.StartsWith(ActionPrefix, StringComparison.Ordinal))
        {
            kind = LineKind.Action;
            text = text[ActionPrefix.Length..];
        }
        var line = new ChatLine(time, kind, sender, text)
        {
            Id = long.TryParse(f.Arg(2), NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : null,
        };
        if (_history.TryGetValue(roomName, out var batch))
        {
            batch.Lines.Add(line);
            if (--batch.Remaining <= 0) FinishHistory(roomName, batch);
            return;
        }
        State.NoteSpeaker(room.Name, sender);
        State.AddLine(room, line);
    }

    // HISTORY <target> <count>, then count MSG frames of that target, oldest first.
    private void OnHistory(string target, string countText)
    {
        bool older = _olderRequested.Remove(target); // an older page we asked for, else the catch-up after JOIN
        int count = int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0;
        var batch = new HistoryBatch(count, older, older ? OlderPageSize : 0);
        _history[target] = batch;
        if (count == 0) FinishHistory(target, batch);
    }

    private void FinishHistory(string target, HistoryBatch batch)
    {
        _history.Remove(target);
        var room = State.GetOrAddRoom(target);
        if (batch.Older)
        {
            room.FetchingOlder = false;
            // A page may be short because the server caps it in bytes, so only an empty one means the start of history.
            if (batch.Lines.Count == 0) room.HistoryExhausted = true;
        }
        State.AddHistory(room, batch.Lines, batch.Older);
    }

    /// <summary>
    /// When the user has scrolled past the top of the current tab, asks the server for the page before the oldest
    /// line shown. Called by the UI loop after each batch of keys.
    /// </summary>
    public void FetchOlderIfWanted()
    {
        FetchUsersIfWanted();
        var room = State.Current;
        if (!room.WantsOlder) return;
        room.WantsOlder = false;
        if (room.Kind == RoomKind.Status || room.HistoryExhausted || room.FetchingOlder) return;
        if (State.Status != ConnectionStatus.Connected || room.OldestId is not { } oldest) return;
        if (oldest <= 1) { room.HistoryExhausted = true; return; }
        room.FetchingOlder = true;
        _olderRequested.Add(room.Name);
        string before = "before=" + oldest.ToString(CultureInfo.InvariantCulture);
        Send(w => FrameWriter.Write(w, Verb.History, room.Name, before, "limit=" + OlderPageSize));
    }

    /// <summary>
    /// NAMES: the whole list of a small room; or, right after <c>MEMBERS &lt;#room&gt; &lt;count&gt; from=&lt;n&gt;</c>, the
    /// page of a big room's members from position n (docs/PROTOCOL.md, "Big rooms").
    /// </summary>
    private void OnNames(string roomName, string names)
    {
        var users = names.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var room = State.FindRoom(roomName);
        bool page = _pageFrom.Remove(roomName, out int from);
        if (room is not null && page)
        {
            if (from == 0) room.SetUsers(users);
            else room.AddUsers(users);
            room.FetchingUsers = false;
            room.NextUsersFrom = from + users.Length;
            room.UsersComplete = users.Length == 0 || room.NextUsersFrom >= room.UserCount;
        }
        else if (room is not null)
        {
            room.SetUsers(users);
            room.MemberCount = null; // a whole list: the room is small (again), and joins and parts are announced
        }
        if (_printNames.Remove(roomName))
        {
            int count = room?.MemberCount ?? users.Length;
            string more = count > users.Length ? $", {count - users.Length} more not shown" : "";
            Info(room ?? State.Current, users.Length == 0 ? $"{roomName} is empty" : $"{roomName} ({count}): {string.Join(' ', users)}{more}");
        }
        if (page) FetchUsersIfWanted();
    }

    /// <summary>MEMBERS &lt;#room&gt; &lt;count&gt; [from=&lt;n&gt;]: the room is big; with from=, a page of NAMES follows.</summary>
    private void OnMembers(string roomName, string countText, string from)
    {
        var room = State.FindRoom(roomName);
        if (room is null || !int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count)) return;
        bool wasBig = room.MemberCount is not null;
        room.MemberCount = count;
        if (!wasBig)
        {
            // The list held until now is a small room's; from now on it is fetched in pages.
            room.NextUsersFrom = room.Users.Count;
            room.UsersComplete = false;
        }
        if (from.StartsWith("from=", StringComparison.Ordinal)
            && int.TryParse(from.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int position))
            _pageFrom[roomName] = position;
        else
            room.UsersComplete = room.UsersComplete && room.Users.Count >= count;
    }

    /// <summary>
    /// While the user list is shown and the current room is big, fetches its members one page after another (each asked
    /// once the last one came), as Discord and Slack fetch a big member list lazily. Called after each page, and by the
    /// UI loop after input (with <see cref="FetchOlderIfWanted"/>), so showing the list or switching to the room starts it.
    /// </summary>
    public void FetchUsersIfWanted()
    {
        var room = State.Current;
        if (!State.ShowUserList || room.Kind != RoomKind.Room || room.MemberCount is null || !room.Joined) return;
        if (room.UsersComplete || room.FetchingUsers || State.Status != ConnectionStatus.Connected) return;
        room.FetchingUsers = true;
        string from = "from=" + room.NextUsersFrom.ToString(CultureInfo.InvariantCulture);
        Send(w => FrameWriter.Write(w, Verb.Names, room.Name, from, "limit=" + _namesPage.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>HELLO's names=&lt;n&gt;: nicks per NAMES page.</summary>
    private static int NamesPageOf(string[] hello)
    {
        foreach (string arg in hello)
            if (arg.StartsWith("names=", StringComparison.Ordinal)
                && int.TryParse(arg.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0)
                return n;
        return DefaultNamesPage;
    }

    private void OnError(string code, string verb, string text)
    {
        if (!_registered && verb == "NICK" && code is "NICK_IN_USE" or "NICK_REGISTERED" or "BAD_PASSWORD")
        {
            string next = _wantedNick.Length < TextRules.MaxNickLength ? _wantedNick + "_" : _wantedNick[..^1] + "_";
            string why = code switch
            {
                "NICK_REGISTERED" => "is registered (set its password with password = in the config file)",
                "BAD_PASSWORD" => "refused the password",
                _ => "is taken",
            };
            Info(State.Rooms[0], $"{_wantedNick} {why}; trying {next}");
            _wantedNick = next;
            Send(w => FrameWriter.Write(w, Verb.Nick, next));
            return;
        }
        State.AddLine(State.Current, new ChatLine(DateTimeOffset.Now, LineKind.Error, null, $"{code} ({verb}): {text}"));
    }

    /// <summary>NICK, with the account's password when it is the nick the options name.</summary>
    private void SendNick(string nick)
    {
        string? password = _options.Password is { } p && string.Equals(nick, _options.Nick, StringComparison.OrdinalIgnoreCase) ? p : null;
        Send(w =>
        {
            if (password is null) FrameWriter.Write(w, Verb.Nick, nick);
            else FrameWriter.Write(w, Verb.Nick, nick, password);
        });
    }

    private void Send(Action<System.Buffers.IBufferWriter<byte>> write) => _send(FrameWriter.Encode(write));

    private void Info(RoomState room, string text) =>
        State.AddLine(room, new ChatLine(DateTimeOffset.Now, LineKind.Info, null, text));

    private void AddWanted(string room)
    {
        if (!_wantedRooms.Any(r => Same(r, room))) _wantedRooms.Add(room);
    }

    private static bool Same(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a.Normalize(), b.Normalize(), StringComparison.OrdinalIgnoreCase);

    /// <summary>The client convention for /me: the text starts with "/me " (see docs/PROTOCOL.md).</summary>
    public const string ActionPrefix = "/me ";
}
