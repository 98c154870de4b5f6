namespace TcpChat.Server.History;

/// <summary>
/// The message id counters: one per room key, never reset (a room emptied and created again carries on), and one for
/// every private message. They carry on from what the store had, so ids keep increasing across restarts.
/// </summary>
/// <remarks>
/// Only the counters of rooms that exist are held in memory: when a room is removed and every id its counter gave out
/// is stored, the counter is dropped, and it is read back from the store if the room is created again. So a client
/// creating room after room costs nothing once the rooms are gone. An id given out for a message that never got
/// stored (the server died first, or the write failed) may be given again: nobody received it.
/// </remarks>
public sealed class MessageIds
{
    /// <summary>The counter of private messages: server-wide, so it is not a valid room or nick key.</summary>
    public const string Private = "*";

    private readonly object _gate = new();
    private readonly Dictionary<string, Counter> _counters = new();
    private readonly Func<string, long> _lastStored;
    private long _drops; // under the gate: counters dropped so far

    /// <param name="lastStored">Reads a counter's last stored id (0 for none).</param>
    /// <param name="lastPrivate">The private counter's last id.</param>
    public MessageIds(Func<string, long> lastStored, long lastPrivate = 0)
    {
        _lastStored = lastStored;
        _counters[Private] = new Counter(Private) { Last = lastPrivate, Committed = lastPrivate, Users = 1 }; // held forever
    }

    /// <summary>How many counters are in memory (for tests and STATS).</summary>
    public int Count
    {
        get { lock (_gate) return _counters.Count; }
    }

    /// <summary>The private messages' counter.</summary>
    public Counter PrivateCounter
    {
        get { lock (_gate) return _counters[Private]; }
    }

    /// <summary>The counter of room <paramref name="key"/>, for a room being created; give it back with <see cref="Release"/>.</summary>
    public Counter Acquire(string key)
    {
        while (true)
        {
            long drops;
            lock (_gate)
            {
                if (_counters.TryGetValue(key, out var held))
                {
                    held.Users++;
                    return held;
                }
                drops = _drops;
            }
            // Read outside the gate: the store may be busy with a commit (an fsync), and the gate is on every message's path.
            long last = _lastStored(key);
            lock (_gate)
            {
                // A counter dropped meanwhile may have been this one, made, used and stored past `last`: read again.
                if (_drops != drops) continue;
                if (!_counters.TryGetValue(key, out var counter))
                    _counters[key] = counter = new Counter(key) { Last = last, Committed = last };
                counter.Users++;
                return counter;
            }
        }
    }

    /// <summary>Whether room <paramref name="key"/>'s counter is in memory: <see cref="Acquire"/> will not read the store.</summary>
    public bool IsHeld(string key)
    {
        lock (_gate) return _counters.ContainsKey(key);
    }

    /// <summary>The room that held <paramref name="counter"/> is gone.</summary>
    public void Release(Counter counter)
    {
        lock (_gate)
        {
            counter.Users--;
            DropIfIdle(counter);
        }
    }

    /// <summary>Called by the log after a batch is stored: those ids are safe in the store now.</summary>
    public void Committed(IReadOnlyList<StoredMessage> messages)
    {
        lock (_gate)
        {
            foreach (var m in messages)
            {
                if (!_counters.TryGetValue(m.CounterKey, out var counter)) continue;
                counter.Committed = Math.Max(counter.Committed, m.Id);
                DropIfIdle(counter);
            }
        }
    }

    private void DropIfIdle(Counter counter)
    {
        if (counter.Users == 0 && counter.Committed >= counter.Current && _counters.Remove(counter.Key)) _drops++;
    }

    public sealed class Counter(string key)
    {
        internal long Last;
        internal long Committed; // under the gate
        internal int Users;      // under the gate: rooms holding it

        public string Key { get; } = key;

        /// <summary>The next id. Called under the lock that orders the target's messages.</summary>
        public long Next() => Interlocked.Increment(ref Last);

        /// <summary>The last id given out.</summary>
        public long Current => Interlocked.Read(ref Last);
    }
}
