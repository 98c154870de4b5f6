namespace TcpChat.Server.Chat;

/// <summary>
/// The rooms one session is in, by key: a small array searched in order. Most users are in a few rooms, and every
/// connection holds one of these: a <c>Dictionary&lt;string, Room&gt;</c> with one room is about 216 bytes (the
/// dictionary, its buckets and entries), this is about 56. At most Chat:MaxRoomsPerUser rooms (100 by default), whose
/// keys are compared by length first: a lookup stays well under a microsecond even then.
/// </summary>
/// <remarks>Touched only by the session's reader loop (and the hub when the session ends), like the dictionary it replaces.</remarks>
internal sealed class JoinedRooms
{
    private Room[] _rooms = [];
    private int _count;

    public int Count => _count;

    /// <summary>The rooms, in the order they were joined (a leave moves the last one into the gap).</summary>
    public ReadOnlySpan<Room> Values => _rooms.AsSpan(0, _count);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Room? room)
    {
        int at = IndexOf(key);
        room = at < 0 ? null : _rooms[at];
        return room is not null;
    }

    /// <summary>Adds a room not already here (the hub checks with <see cref="TryGetValue"/> first).</summary>
    public void Add(Room room)
    {
        if (IndexOf(room.Key) >= 0) throw new ArgumentException($"already in {room.Key}", nameof(room));
        if (_count == _rooms.Length) Array.Resize(ref _rooms, Math.Max(1, _rooms.Length * 2));
        _rooms[_count++] = room;
    }

    public bool Remove(string key)
    {
        int at = IndexOf(key);
        if (at < 0) return false;
        _rooms[at] = _rooms[--_count];
        _rooms[_count] = null!;
        if (_count == 0) _rooms = []; // a user who left every room holds nothing
        return true;
    }

    public void Clear()
    {
        _rooms = [];
        _count = 0;
    }

    private int IndexOf(string key)
    {
        for (int i = 0; i < _count; i++)
            if (string.Equals(_rooms[i].Key, key, StringComparison.Ordinal)) return i;
        return -1;
    }
}
