namespace TcpChat.Server.Chat;

/// <summary>
/// A room and its members. Membership changes and broadcasts happen under the room's lock, so every member sees
/// the room's messages, joins and parts in one order, and ids are assigned in that order. Inside the lock there is
/// no I/O: a broadcast only queues the same encoded bytes to each member's outbox.
/// </summary>
/// <remarks>
/// The members are a linked list in join order, indexed by session: joining and leaving cost the same in a room of
/// 20,000 as in a room of 2. (A member array copied on every change was quadratic: each join into a room of 20,000
/// allocated a 160 KB array on the large object heap.)
/// </remarks>
internal sealed class Room(string name, History.MessageIds.Counter ids)
{
    private readonly LinkedList<Session> _members = new();
    private readonly Dictionary<Session, LinkedListNode<Session>> _nodes = new();

    /// <summary>The room's id counter, given back when the room is removed.</summary>
    public History.MessageIds.Counter Counter => ids;

    /// <summary>The room's name as its creator spelled it (NFC); <see cref="Key"/> is what identifies it.</summary>
    public string Name { get; } = name;

    public string Key { get; } = Protocol.TextRules.Key(name);

    /// <summary>The lock that orders everything that happens in this room.</summary>
    public object Gate { get; } = new();

    /// <summary>Set, under <see cref="Gate"/>, when the last member leaves; a closed room is never reused.</summary>
    public bool Closed { get; private set; }

    /// <summary>Under <see cref="Gate"/>: the members, in the order they joined.</summary>
    public IEnumerable<Session> Members => _members;

    /// <summary>Under <see cref="Gate"/> (read without it, it is a recent count).</summary>
    public int Count => _members.Count;

    /// <summary>
    /// Set under <see cref="Gate"/>: the room is big (Chat:BigRoomMembers), so its members get counts instead of
    /// JOIN, PART and QUIT, and NAMES about it is paged (ChatHub.BigRooms.cs). May be read without the lock.
    /// </summary>
    public bool IsBig
    {
        get => Volatile.Read(ref _isBig);
        set => Volatile.Write(ref _isBig, value);
    }

    private bool _isBig;

    /// <summary>Under <see cref="Gate"/>: the count last sent to the members of a big room, and when (Unix ms).</summary>
    public int AnnouncedCount { get; set; }

    /// <summary>Under <see cref="Gate"/>.</summary>
    public long AnnouncedAtMs { get; set; }

    /// <summary>
    /// Under <see cref="Gate"/>: the next message id, strictly increasing. The counter outlives the room: a room
    /// emptied and created again carries on from its last id, and so does a restarted server.
    /// </summary>
    public long NextId() => ids.Next();

    /// <summary>Under <see cref="Gate"/>: the id of the room's last message; the next one gets a larger id.</summary>
    public long LastId => ids.Current;

    /// <summary>Under <see cref="Gate"/>.</summary>
    public void Add(Session session) => _nodes.Add(session, _members.AddLast(session));

    /// <summary>Under <see cref="Gate"/>. Returns false when the session was not a member.</summary>
    public bool Remove(Session session)
    {
        if (!_nodes.Remove(session, out var node)) return false;
        _members.Remove(node);
        if (_members.Count == 0)
        {
            Closed = true;
            _nodes.TrimExcess(); // a closed room may stay referenced a while by sessions that are leaving
        }
        return true;
    }

    /// <summary>Under <see cref="Gate"/>: up to <paramref name="limit"/> members from position <paramref name="from"/> (0 is the first to join).</summary>
    public List<Session> Page(int from, int limit)
    {
        var page = new List<Session>(Math.Max(0, Math.Min(limit, _members.Count - from)));
        int position = 0;
        for (var node = _members.First; node is not null && page.Count < limit; node = node.Next, position++)
            if (position >= from) page.Add(node.Value);
        return page;
    }

    /// <summary>Under <see cref="Gate"/>: queues one encoded frame to every member.</summary>
    public void Broadcast(ReadOnlyMemory<byte> frame)
    {
        foreach (var member in _members) member.Send(frame);
    }

    /// <summary>Under <see cref="Gate"/>: queues a message to every member, to be written once it is stored.</summary>
    public void Broadcast(ReadOnlyMemory<byte> frame, Task<ReadOnlyMemory<byte>> stored)
    {
        foreach (var member in _members) member.Send(frame, stored);
    }

    public override string ToString() => Name;
}
