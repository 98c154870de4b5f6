using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TcpChat.Protocol;
using TcpChat.Server.History;
using TcpChat.Server.Security;

namespace TcpChat.Server.Chat;

/// <summary>
/// The chat itself: who is connected under which nick, which rooms exist, and what each verb does.
/// <see cref="Handle"/> runs on the sending session's reader loop, one frame at a time per session; what is shared
/// between sessions (nicks, rooms) is guarded by concurrent maps and by each room's lock.
/// Messages are stored before anyone receives them: a message is queued to its recipients' outboxes at once, in order,
/// but each outbox holds it until <see cref="MessageLog"/> has stored it (docs/PROTOCOL.md, "History").
/// </summary>
internal sealed partial class ChatHub : IDisposable
{
    private readonly ConcurrentDictionary<string, Session> _nicks = new();
    private readonly ConcurrentDictionary<string, Room> _rooms = new();
    private readonly ConcurrentDictionary<Session, byte> _sessions = new();
    private readonly object[] _privateGates = Enumerable.Range(0, 64).Select(_ => new object()).ToArray();
    private readonly ChatOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly MessageLog _history;
    private readonly MessageIds.Counter _privateIds;
    private readonly AddressRule _statsRule;

    /// <summary>Cluster mode (Cluster/), set once at start before any session; null on one server.</summary>
    private IChatCluster? _cluster;

    public ChatHub(IOptions<ChatOptions> options, MessageLog history, TimeProvider clock, ILogger<ChatHub> log,
        ConnectionGuard guard, AccountBook accounts)
    {
        _options = options.Value;
        Guard = guard;
        _accounts = accounts;
        _history = history;
        _privateIds = history.Ids.PrivateCounter;
        ReaderWrites = _options.RunsSocketsInline(historyInMemory: !history.Options.Enabled);
        AddressRule.TryParse(_options.StatsAllowedFrom, out _statsRule, out _); // validated at start
        _clock = clock;
        _log = log;
        long gcAvailable = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long budget = OutboxBudget.EffectiveLimit(_options.OutboxTotalBytes, _options.OutboxBytes, gcAvailable);
        if (budget < _options.OutboxTotalBytes)
            _log.LogWarning("OutboxTotalBytes is {Configured} but the runtime may use {Available} bytes in all: outboxes " +
                "together hold at most {Budget} (a quarter of it); raise the memory limit or lower --outbox-total-bytes",
                _options.OutboxTotalBytes, gcAvailable, budget);
        OutboxBudget = new OutboxBudget(budget, OverBudget);
        Metrics = new ChatMetrics(() => _sessions.Count, () => _rooms.Count, Outboxes)
        {
            ConnectionCapacity = _options.MaxConnections,
            OutboxBudgetBytes = budget,
        };
        var o = _options;
        Hello = FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Hello, ProtocolDefaults.Version, o.ServerName,
            $"max_line={o.MaxLine}", $"max_payload={o.MaxPayload}", $"ping={o.PingSeconds}", $"history={history.Options.MaxPage}", $"names={o.NamesPage}"));
    }

    public ChatMetrics Metrics { get; }

    /// <summary>
    /// Whether readers write small rooms' messages to the receivers themselves (<see cref="ReaderFlush"/>): with
    /// Chat:InlineSocketCompletions, whose I/O threads it keeps the pool away from. Without them it measured no gain,
    /// and with the database it took fan-out down (bench/notes.md, issue 15).
    /// </summary>
    public bool ReaderWrites { get; }

    /// <summary>The first frame of every connection, encoded once.</summary>
    public ReadOnlyMemory<byte> Hello { get; }

    public int ConnectionCount => _sessions.Count;

    public ICollection<Session> Sessions => _sessions.Keys;

    /// <summary>Hands rooms, messages, nick claims and history to the cluster (before the listener starts).</summary>
    internal void UseCluster(IChatCluster cluster) => _cluster = cluster;

    /// <summary>The session of this server that holds a nick (by key), if any.</summary>
    internal Session? LocalHolder(string nickKey) => _nicks.GetValueOrDefault(nickKey);

    public bool TryAdd(Session session)
    {
        if (_sessions.Count >= Metrics.ConnectionCapacity) return false;
        _sessions.TryAdd(session, 0);
        Metrics.ConnectionsTotal.Add(1);
        return true;
    }

    public void Handle(Session session, in Frame frame)
    {
        if (frame.Verb == Verb.Stats)
        {
            Stats(session);
            return;
        }
        if (!Admits(session, frame)) return; // PASS, then NICK, first (ChatHub.Accounts.cs)
        switch (frame.Verb)
        {
            case Verb.Nick: Nick(session, frame.Args); break;
            case Verb.Register: Register(session, frame.Args[0]); break;
            case Verb.Pass: Pass(session, frame.Args[0]); break;
            case Verb.Join: Join(session, frame.Args[0]); break;
            case Verb.Part: Part(session, frame); break;
            case Verb.Send: SendMessage(session, frame); break;
            case Verb.Names: Names(session, frame.Args); break;
            case Verb.Ping: Pong(session, frame.Args); break;
            case Verb.Pong: break; // being heard is all a PONG is for
            case Verb.Quit: Quit(session, frame); break;
            case Verb.History: History(session, frame.Args); break;
            default: session.SendError(ErrorCode.UnknownVerb, frame.Verb.ToWire(), "not a client verb"); break;
        }
    }

    // STATS. Answer: STATS <text>, "name value" lines; from the addresses in StatsAllowedFrom only, registered or not.
    private void Stats(Session session)
    {
        if (!_statsRule.Allows(session.Remote?.Address))
        {
            session.SendError(ErrorCode.NotAllowed, "STATS", $"STATS is allowed from {_options.StatsAllowedFrom} only");
            return;
        }
        string text = Metrics.ToText(Guard.Metrics.Lines());
        if (_cluster is not null) text += "\n" + _cluster.StatsText();
        session.Send(FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Stats, [], text)));
    }

    // PING [token]. Answer: PONG [token].
    private static void Pong(Session session, string[] token) =>
        session.Send(FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Pong, token)));

    /// <summary>
    /// NICK once its password, if any, is settled (ChatHub.Accounts.cs): takes <paramref name="nick"/> (normalized, key
    /// <paramref name="key"/>) unless someone has it, or it turns out registered and the session did not prove it may.
    /// </summary>
    private void ApplyNick(Session session, string nick, string key, bool authenticated)
    {
        string? old = session.Nick;
        if (key != session.NickKey)
        {
            if (!_nicks.TryAdd(key, session))
            {
                session.SendError(ErrorCode.NickInUse, "NICK", $"{nick} is taken");
                return;
            }
            // Registered by its last holder just before it left, after this NICK looked: it needs its password after all.
            if (!authenticated && _accounts.Find(key) is not null)
            {
                _nicks.TryRemove(new(key, session));
                session.SendError(ErrorCode.NickRegistered, "NICK", $"{nick} is registered: NICK {nick} <password>");
                return;
            }
            if (session.NickKey is not null) _nicks.TryRemove(new(session.NickKey, session));
        }
        session.Nick = nick;
        session.NickKey = key;

        var notice = FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Nick, old ?? "*", nick));
        if (old is null)
        {
            session.Send(notice);
            if (_options.DefaultRoom.Length > 0) Join(session, _options.DefaultRoom, fromVerb: false);
            return;
        }
        foreach (var peer in PeersOf(session, includeSelf: true)) peer.Send(notice);
    }

    // JOIN <#room>. Answer: JOIN <#room> <nick> to every member, the joiner included; then NAMES to the joiner, then
    // HISTORY <#room> <count> and the room's last messages (History:OnJoin), up to just before its first live one.
    // In a big room, JOIN to the joiner only, then MEMBERS and the first page of NAMES (ChatHub.BigRooms.cs).
    private void Join(Session session, string raw, bool fromVerb = true)
    {
        if (_cluster is not null)
        {
            _cluster.Join(session, raw, fromVerb);
            return;
        }
        if (!TextRules.TryNormalizeRoom(raw, out string name, out string reason))
        {
            session.SendError(ErrorCode.BadRoom, "JOIN", reason);
            return;
        }
        string key = TextRules.Key(name);
        if (session.Rooms.TryGetValue(key, out var current))
        {
            lock (current.Gate) SendNames(session, current, 0, _options.NamesPage, paged: false);
            return;
        }
        if (session.Rooms.Count >= _options.MaxRoomsPerUser)
        {
            session.SendError(ErrorCode.TooManyRooms, "JOIN", $"at most {_options.MaxRoomsPerUser} rooms at once");
            return;
        }
        while (true)
        {
            if (!_rooms.TryGetValue(key, out Room? room))
            {
                if (!Thread.CurrentThread.IsThreadPoolThread && !_history.StoresInMemory && !_history.Ids.IsHeld(key)
                    && session.Guard.CanDefer)
                {
                    // The new room's counter is read from the database, which may be in the middle of a commit (an
                    // fsync): not on an I/O thread, whose other connections would wait (Chat:InlineSocketCompletions).
                    // On the pool; the session's next frame waits for this join, so its frames stay in order.
                    session.Guard.Defer(Task.Run(() => Join(session, raw, fromVerb)));
                    return;
                }
                var created = new Room(name, _history.Ids.Acquire(key));
                room = _rooms.GetOrAdd(key, created);
                if (room != created) _history.Ids.Release(created.Counter); // another session made it first
            }
            lock (room.Gate)
            {
                if (room.Closed) continue; // emptied and removed meanwhile: make a new one
                room.Add(session);
                AnnounceJoin(session, room);
                int onJoin = _history.Options.OnJoin;
                if (onJoin > 0) SendHistory(session, room, long.MaxValue, onJoin);
            }
            session.Rooms.Add(room);
            return;
        }
    }

    // PART <#room> [text]. Answer: PART <#room> <nick> [text] to every member, the leaver included; in a big room, to
    // the leaver only.
    private void Part(Session session, in Frame frame)
    {
        if (_cluster is not null)
        {
            if (frame.HasText && !TextRules.IsValidText(frame.Text, out string problem))
                session.SendError(ErrorCode.BadText, "PART", problem);
            else
                _cluster.Part(session, frame.Args[0], frame.HasText && frame.Text.Length > 0 ? frame.Text.ToArray() : null);
            return;
        }
        if (!TryGetJoinedRoom(session, frame.Args[0], "PART", out Room? room)) return;
        if (frame.HasText && !TextRules.IsValidText(frame.Text, out string reason))
        {
            session.SendError(ErrorCode.BadText, "PART", reason);
            return;
        }
        string nick = session.Nick!;
        byte[]? text = frame.HasText && frame.Text.Length > 0 ? frame.Text.ToArray() : null;
        byte[] notice = FrameWriter.Encode(w =>
        {
            if (text is null) FrameWriter.Write(w, Verb.Part, room.Name, nick);
            else FrameWriter.WriteWithText(w, Verb.Part, [room.Name, nick], text);
        });
        Leave(session, room, notice);
    }

    private void Leave(Session session, Room room, byte[] notice)
    {
        lock (room.Gate) Depart(session, room, notice);
        session.Rooms.Remove(room.Key);
    }

    /// <summary>Under the room's lock, once it is empty: forget it, and give its id counter back.</summary>
    private void RemoveRoom(Room room)
    {
        if (_rooms.TryRemove(new(room.Key, room))) _history.Ids.Release(room.Counter);
        _bigRooms.TryRemove(room, out _);
    }

    // SEND <#room or nick> <text>. Answer: MSG <target> <sender> <id> <time> <text> to the room's members, or to the
    // recipient and the sender.
    private void SendMessage(Session session, in Frame frame)
    {
        string target = frame.Args[0];
        if (!TextRules.IsValidText(frame.Text, out string reason))
        {
            session.SendError(ErrorCode.BadText, "SEND", reason);
            return;
        }
        if (frame.Text.Length == 0)
        {
            session.SendError(ErrorCode.BadText, "SEND", "empty text: nothing to send");
            return;
        }
        byte[] text = frame.Text.ToArray();
        if (_cluster is not null)
        {
            _cluster.Send(session, target, text);
            return;
        }
        if (TextRules.IsRoomName(target))
        {
            if (!TryGetJoinedRoom(session, target, "SEND", out Room? room)) return;
            lock (room.Gate)
            {
                var (msg, stored) = NewMessage(room.Key, room.Name, session.Nick!, room.NextId(), text);
                room.Broadcast(msg, _history.Append(stored, msg, session));
            }
            return;
        }

        if (!TextRules.TryNormalizeNick(target, out string nick, out _)
            || !_nicks.TryGetValue(TextRules.Key(nick), out Session? recipient))
        {
            session.SendError(ErrorCode.NoSuchNick, "SEND", $"no one is called {target}");
            return;
        }
        // One lock per conversation (striped), so both sides see its messages in id order.
        string conversation = StoredMessage.ConversationKey(session.NickKey!, recipient.NickKey ?? TextRules.Key(nick));
        lock (PrivateGate(conversation))
        {
            var (msg, stored) = NewMessage(conversation, recipient.Nick ?? nick, session.Nick!, _privateIds.Next(), text);
            var written = _history.Append(stored, msg, session);
            recipient.Send(msg, written);
            if (recipient != session) session.Send(msg, written);
        }
    }

    // HISTORY <#room or nick> [before=<id>] [limit=<n>]. Answer: HISTORY <target> <count>, then count MSG frames,
    // oldest first: the room's (which the user must be in), or the private conversation between the user and nick.
    private void History(Session session, string[] args)
    {
        if (!TryParseHistoryArguments(args, out long before, out int limit, out string problem))
        {
            session.SendError(ErrorCode.BadFrame, "HISTORY", problem);
            return;
        }
        string target = args[0];
        if (_cluster is not null)
        {
            _cluster.History(session, target, before, limit);
            return;
        }
        if (TextRules.IsRoomName(target))
        {
            if (!TryGetJoinedRoom(session, target, "HISTORY", out Room? room)) return;
            lock (room.Gate) SendHistory(session, room, before, limit);
            return;
        }
        if (!TextRules.TryNormalizeNick(target, out string nick, out string reason))
        {
            session.SendError(ErrorCode.BadNick, "HISTORY", reason);
            return;
        }
        string conversation = StoredMessage.ConversationKey(session.NickKey!, TextRules.Key(nick));
        lock (PrivateGate(conversation))
        {
            // Up to the last id given out: later messages of the conversation reach the user after this page.
            long upTo = _privateIds.Current;
            session.SendPage(_history.Read(new HistoryQuery(conversation, nick, null, Math.Min(before, upTo + 1), limit), session));
        }
    }

    /// <summary>
    /// Under the room's lock: the page of the room's history before <paramref name="before"/>, and never past the last
    /// message queued so far, since the ones after it reach the session live, after this page.
    /// </summary>
    private void SendHistory(Session session, Room room, long before, int limit) =>
        session.SendPage(_history.Read(new HistoryQuery(room.Key, room.Name, room.Name, Math.Min(before, room.LastId + 1), limit), session));

    /// <summary><c>[before=&lt;id&gt;] [limit=&lt;n&gt;]</c> after the target, in any order; limit defaults to, and is capped at, History:MaxPage.</summary>
    private bool TryParseHistoryArguments(string[] args, out long before, out int limit, out string problem)
    {
        before = long.MaxValue;
        limit = _history.Options.MaxPage;
        problem = "";
        bool seenBefore = false, seenLimit = false;
        foreach (string arg in args.AsSpan(1))
        {
            int eq = arg.IndexOf('=');
            string key = eq < 0 ? arg : arg[..eq], value = eq < 0 ? "" : arg[(eq + 1)..];
            if (key.Equals("before", StringComparison.OrdinalIgnoreCase))
            {
                if (seenBefore) { problem = "before= given twice"; return false; }
                seenBefore = true;
                if (!TryParseCount(value, out before))
                {
                    problem = $"before must be a message id, a whole number from 1 (got '{value}')";
                    return false;
                }
            }
            else if (key.Equals("limit", StringComparison.OrdinalIgnoreCase))
            {
                if (seenLimit) { problem = "limit= given twice"; return false; }
                seenLimit = true;
                if (!TryParseCount(value, out long n))
                {
                    problem = $"limit must be a whole number from 1 (got '{value}')";
                    return false;
                }
                limit = (int)Math.Min(n, _history.Options.MaxPage);
            }
            else
            {
                problem = $"unknown argument '{arg}': HISTORY <#room or nick> [before=<id>] [limit=<n>]";
                return false;
            }
        }
        return true;
    }

    /// <summary>Digits only, at least 1; more than a long holds counts as the largest long.</summary>
    private static bool TryParseCount(string text, out long value)
    {
        value = 0;
        if (text.Length == 0 || !text.All(char.IsAsciiDigit)) return false;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)) value = long.MaxValue;
        return value >= 1;
    }

    private object PrivateGate(string conversation) =>
        _privateGates[(int)((uint)conversation.GetHashCode() % (uint)_privateGates.Length)];

    // NAMES <#room> [from=<n>] [limit=<n>]. Answer: NAMES <#room> <members, space-separated>; empty for a room that
    // does not exist. Paged (from= and limit=, or always for a big room, then after MEMBERS): ChatHub.BigRooms.cs.
    private void Names(Session session, string[] args)
    {
        if (!TextRules.TryNormalizeRoom(args[0], out string name, out string reason))
        {
            session.SendError(ErrorCode.BadRoom, "NAMES", reason);
            return;
        }
        if (!TryParseNamesArguments(args, out int from, out int limit, out string problem))
        {
            session.SendError(ErrorCode.BadFrame, "NAMES", problem);
            return;
        }
        if (_cluster is not null)
        {
            _cluster.Names(session, name); // the whole list, on every node the same (no big rooms in cluster mode)
            return;
        }
        if (_rooms.TryGetValue(TextRules.Key(name), out Room? room))
        {
            lock (room.Gate) SendNames(session, room, from, limit, paged: args.Length > 1);
        }
        else
        {
            session.Send(FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Names, [name], "")));
        }
    }

    // QUIT [text]. Answer: BYE to the leaver; QUIT <nick> [text] to everyone who shared a room with it.
    private static void Quit(Session session, in Frame frame)
    {
        // The reason is passed on only when it is valid text; checked on the bytes, before any decoding repairs them.
        bool valid = frame.HasText && frame.Text.Length > 0 && TextRules.IsValidText(frame.Text, out _);
        string reason = valid ? frame.TextAsString() : "quit";
        session.Close(null, "bye", reason);
    }

    /// <summary>
    /// Called once by every session as it ends: free the nick, leave every room, tell who shared one (but a big room:
    /// its members learn the count instead).
    /// </summary>
    public void Disconnect(Session session, string reason)
    {
        _sessions.TryRemove(session, out _);
        if (_cluster is not null)
        {
            // Even without a nick: a claim may be on its way to the engine.
            if (session.NickKey is { } key) _nicks.TryRemove(new(key, session));
            _cluster.Disconnect(session, reason);
            return;
        }
        if (session.Nick is null) return;
        var peers = new HashSet<Session>();
        foreach (var room in session.Rooms.Values)
        {
            lock (room.Gate)
            {
                if (!room.IsBig) peers.UnionWith(room.Members);
                Depart(session, room, notice: null);
            }
        }
        peers.Remove(session);
        session.Rooms.Clear();
        _nicks.TryRemove(new(session.NickKey!, session));
        var notice = FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Quit, [session.Nick], reason));
        foreach (var peer in peers) peer.Send(notice);
    }

    /// <summary>Sends PING to the silent and closes the dead; run by a timer a few times per ping period.</summary>
    public void Sweep()
    {
        long now = Environment.TickCount64;
        long pingMs = _options.PingSeconds * 1000L;
        long queued = 0; // exact, unlike the budget's running total
        foreach (var session in _sessions.Keys)
        {
            session.CheckAlive(now, pingMs);
            if (!session.IsClosing) queued += session.OutboxBytes;
        }
        AnnounceCounts();
        if (queued > OutboxBudget.Limit) OverBudget();
    }

    /// <summary>Who hears of a rename: the members of the session's rooms, but of its big rooms (they see no renames).</summary>
    private HashSet<Session> PeersOf(Session session, bool includeSelf)
    {
        var peers = new HashSet<Session>();
        foreach (var room in session.Rooms.Values)
            lock (room.Gate)
                if (!room.IsBig) peers.UnionWith(room.Members);
        if (includeSelf) peers.Add(session);
        else peers.Remove(session);
        return peers;
    }

    private bool TryGetJoinedRoom(Session session, string raw, string verb, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Room? room)
    {
        room = null;
        if (!TextRules.TryNormalizeRoom(raw, out string name, out string reason))
        {
            session.SendError(ErrorCode.BadRoom, verb, reason);
            return false;
        }
        if (session.Rooms.TryGetValue(TextRules.Key(name), out room)) return true;
        session.SendError(ErrorCode.NotInRoom, verb, $"you are not in {name}");
        return false;
    }

    /// <summary>Under the room's lock.</summary>
    private static byte[] NamesFrame(Room room)
    {
        string names = string.Join(' ', room.Members.Select(m => m.Nick));
        return FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Names, [room.Name], names));
    }

    /// <summary>A message's frame and what history keeps of it; the time is now, to the millisecond.</summary>
    private (byte[] Frame, StoredMessage Message) NewMessage(string targetKey, string target, string sender, long id, byte[] text)
    {
        long unixMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        return (MessageFrame.Encode(target, sender, id, unixMs, text), new StoredMessage(targetKey, id, target, sender, unixMs, text));
    }

    private (long Total, long Max) Outboxes()
    {
        long total = 0, max = 0;
        foreach (var session in _sessions.Keys)
        {
            long bytes = session.OutboxBytes;
            total += bytes;
            max = Math.Max(max, bytes);
        }
        return (total, max);
    }

    public void Dispose() => Metrics.Dispose();
}
