namespace TcpChat.Server.Chat;

/// <summary>
/// A room and its members. Membership changes and broadcasts happen under the room's lock, so every member sees
/// the room's messages, joins and parts in one order, and ids are assigned in that order. Inside the lock there is
/// no I/O: a broadcast only queues the same encoded bytes to each member's outbox.
/// </summary>
internal sealed class Room(string name, History.MessageIds.Counter ids)
{
    private Session[] _members = [];

    /// <summary>The room's id counter, given back when the room is removed.</summary>
    public History.MessageIds.Counter Counter => ids;

    /// <summary>The room's name as its creator spelled it (NFC); <see cref="Key"/> is what identifies it.</summary>
    public string Name { get; } = name;

    public string Key { get; } = Protocol.TextRules.Key(name);

    /// <summary>The lock that orders everything that happens in this room.</summary>
    public object Gate { get; } = new();

    /// <summary>Set, under <see cref="Gate"/>, when the last member leaves; a closed room is never reused.</summary>
    public bool Closed { get; private set; }

    /// <summary>A snapshot; replaced, never mutated, so it may be read without the lock.</summary>
    public Session[] Members => Volatile.Read(ref _members);

    /// <summary>
    /// Under <see cref="Gate"/>: the next message id, strictly increasing. The counter outlives the room: a room
    /// emptied and created again carries on from its last id, and so does a restarted server.
    /// </summary>
    public long NextId() => ids.Next();

    /// <summary>Under <see cref="Gate"/>: the id of the room's last message; the next one gets a larger id.</summary>
    public long LastId => ids.Current;

    /// <summary>Under <see cref="Gate"/>.</summary>
    public void Add(Session session) => Volatile.Write(ref _members, [.. _members, session]);

    /// <summary>Under <see cref="Gate"/>. Returns false when the session was not a member.</summary>
    public bool Remove(Session session)
    {
        int i = Array.IndexOf(_members, session);
        if (i < 0) return false;
        Volatile.Write(ref _members, [.. _members.AsSpan(0, i), .. _members.AsSpan(i + 1)]);
        if (_members.Length == 0) Closed = true;
        return true;
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
