using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TcpChat.Protocol;

namespace TcpChat.Server.Chat;

/// <summary>
/// The chat itself: who is connected under which nick, which rooms exist, and what each verb does.
/// <see cref="Handle"/> runs on the sending session's reader loop, one frame at a time per session; what is shared
/// between sessions (nicks, rooms) is guarded by concurrent maps and by each room's lock.
/// </summary>
internal sealed class ChatHub : IDisposable
{
    private readonly ConcurrentDictionary<string, Session> _nicks = new();
    private readonly ConcurrentDictionary<string, Room> _rooms = new();
    private readonly ConcurrentDictionary<Session, byte> _sessions = new();
    private readonly object[] _privateGates = Enumerable.Range(0, 64).Select(_ => new object()).ToArray();
    private readonly ChatOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private long _lastPrivateId;

    public ChatHub(IOptions<ChatOptions> options, TimeProvider clock, ILogger<ChatHub> log)
    {
        _options = options.Value;
        _clock = clock;
        _log = log;
        Metrics = new ChatMetrics(() => _sessions.Count, () => _rooms.Count);
        var o = _options;
        Hello = FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Hello, ProtocolDefaults.Version, o.ServerName,
            $"max_line={o.MaxLine}", $"max_payload={o.MaxPayload}", $"ping={o.PingSeconds}"));
    }

    public ChatMetrics Metrics { get; }

    /// <summary>The first frame of every connection, encoded once.</summary>
    public ReadOnlyMemory<byte> Hello { get; }

    public int ConnectionCount => _sessions.Count;

    public ICollection<Session> Sessions => _sessions.Keys;

    public bool TryAdd(Session session)
    {
        if (_sessions.Count >= _options.MaxConnections) return false;
        _sessions.TryAdd(session, 0);
        Metrics.ConnectionsTotal.Add(1);
        return true;
    }

    public void Handle(Session session, in Frame frame)
    {
        if (session.Nick is null && frame.Verb is not (Verb.Nick or Verb.Ping or Verb.Pong or Verb.Quit))
        {
            session.SendError(ErrorCode.NeedNick, frame.Verb.ToWire(), "register first: NICK <nick>");
            return;
        }
        switch (frame.Verb)
        {
            case Verb.Nick: Nick(session, frame.Args[0]); break;
            case Verb.Join: Join(session, frame.Args[0]); break;
            case Verb.Part: Part(session, frame); break;
            case Verb.Send: SendMessage(session, frame); break;
            case Verb.Names: Names(session, frame.Args[0]); break;
            case Verb.Ping: Pong(session, frame.Args); break;
            case Verb.Pong: break; // being heard is all a PONG is for
            case Verb.Quit: Quit(session, frame); break;
            default: session.SendError(ErrorCode.UnknownVerb, frame.Verb.ToWire(), "not a client verb"); break;
        }
    }

    // PING [token]. Answer: PONG [token].
    private static void Pong(Session session, string[] token) =>
        session.Send(FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Pong, token)));

    // NICK <nick>: register, or rename. Answer: NICK <old or *> <new>, to the user and everyone sharing a room.
    private void Nick(Session session, string raw)
    {
        if (!TextRules.TryNormalizeNick(raw, out string nick, out string reason))
        {
            session.SendError(ErrorCode.BadNick, "NICK", reason);
            return;
        }
        string key = TextRules.Key(nick);
        string? old = session.Nick;
        if (old == nick) return;
        if (key != session.NickKey)
        {
            if (!_nicks.TryAdd(key, session))
            {
                session.SendError(ErrorCode.NickInUse, "NICK", $"{nick} is taken");
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
            if (_options.DefaultRoom.Length > 0) Join(session, _options.DefaultRoom);
            return;
        }
        foreach (var peer in PeersOf(session, includeSelf: true)) peer.Send(notice);
    }

    // JOIN <#room>. Answer: JOIN <#room> <nick> to every member, the joiner included; then NAMES to the joiner.
    private void Join(Session session, string raw)
    {
        if (!TextRules.TryNormalizeRoom(raw, out string name, out string reason))
        {
            session.SendError(ErrorCode.BadRoom, "JOIN", reason);
            return;
        }
        string key = TextRules.Key(name);
        if (session.Rooms.TryGetValue(key, out var current))
        {
            lock (current.Gate) session.Send(NamesFrame(current));
            return;
        }
        if (session.Rooms.Count >= _options.MaxRoomsPerUser)
        {
            session.SendError(ErrorCode.TooManyRooms, "JOIN", $"at most {_options.MaxRoomsPerUser} rooms at once");
            return;
        }
        while (true)
        {
            Room room = _rooms.GetOrAdd(key, static (_, n) => new Room(n), name);
            lock (room.Gate)
            {
                if (room.Closed) continue; // emptied and removed meanwhile: make a new one
                room.Add(session);
                room.Broadcast(FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Join, room.Name, session.Nick!)));
                session.Send(NamesFrame(room));
            }
            session.Rooms.Add(key, room);
            return;
        }
    }

    // PART <#room> [text]. Answer: PART <#room> <nick> [text] to every member, the leaver included.
    private void Part(Session session, in Frame frame)
    {
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
        lock (room.Gate)
        {
            room.Broadcast(notice);
            room.Remove(session);
            if (room.Closed) _rooms.TryRemove(new(room.Key, room));
        }
        session.Rooms.Remove(room.Key);
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
        if (TextRules.IsRoomName(target))
        {
            if (!TryGetJoinedRoom(session, target, "SEND", out Room? room)) return;
            lock (room.Gate)
            {
                room.Broadcast(MessageFrame(room.Name, session.Nick!, room.NextId(), text));
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
        string a = session.NickKey!, b = recipient.NickKey ?? "";
        int stripe = (int)((uint)(string.CompareOrdinal(a, b) < 0 ? HashCode.Combine(a, b) : HashCode.Combine(b, a)) % _privateGates.Length);
        lock (_privateGates[stripe])
        {
            var msg = MessageFrame(recipient.Nick ?? nick, session.Nick!, Interlocked.Increment(ref _lastPrivateId), text);
            recipient.Send(msg);
            if (recipient != session) session.Send(msg);
        }
    }

    // NAMES <#room>. Answer: NAMES <#room> <members, space-separated>; empty for a room that does not exist.
    private void Names(Session session, string raw)
    {
        if (!TextRules.TryNormalizeRoom(raw, out string name, out string reason))
        {
            session.SendError(ErrorCode.BadRoom, "NAMES", reason);
            return;
        }
        if (_rooms.TryGetValue(TextRules.Key(name), out Room? room))
        {
            lock (room.Gate) session.Send(NamesFrame(room));
        }
        else
        {
            session.Send(FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Names, [name], "")));
        }
    }

    // QUIT [text]. Answer: BYE to the leaver; QUIT <nick> [text] to everyone who shared a room with it.
    private static void Quit(Session session, in Frame frame)
    {
        string text = frame.HasText ? frame.TextAsString() : "";
        string reason = text.Length > 0 && TextRules.IsValidText(Encoding.UTF8.GetBytes(text), out _) ? text : "quit";
        session.Close(null, "bye", reason);
    }

    /// <summary>Called once by every session as it ends: free the nick, leave every room, tell who shared one.</summary>
    public void Disconnect(Session session, string reason)
    {
        _sessions.TryRemove(session, out _);
        if (session.Nick is null) return;
        var peers = PeersOf(session, includeSelf: false);
        foreach (var room in session.Rooms.Values)
        {
            lock (room.Gate)
            {
                room.Remove(session);
                if (room.Closed) _rooms.TryRemove(new(room.Key, room));
            }
        }
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
        foreach (var session in _sessions.Keys) session.CheckAlive(now, pingMs);
    }

    private HashSet<Session> PeersOf(Session session, bool includeSelf)
    {
        var peers = new HashSet<Session>();
        foreach (var room in session.Rooms.Values)
            foreach (var member in room.Members) peers.Add(member);
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

    private byte[] MessageFrame(string target, string sender, long id, byte[] text)
    {
        string time = _clock.GetUtcNow().UtcDateTime.ToString(ProtocolDefaults.TimeFormat, CultureInfo.InvariantCulture);
        string idText = id.ToString(CultureInfo.InvariantCulture);
        return FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Msg, [target, sender, idText, time], text));
    }

    public void Dispose() => Metrics.Dispose();
}
