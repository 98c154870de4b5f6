using System.Collections.Concurrent;

namespace TcpChat.Server.History;

/// <summary>
/// The message id counters: one per room key, never reset (a room emptied and created again carries on), and one for
/// every private message. They start from what the store had, so ids keep increasing across restarts. An id given out
/// for a message that never got stored (the server died first) may be given again: nobody received it.
/// </summary>
public sealed class MessageIds
{
    /// <summary>The counter of private messages: server-wide, so it is not a valid room or nick key.</summary>
    public const string Private = "*";

    private readonly ConcurrentDictionary<string, Counter> _counters = new();

    public MessageIds(IReadOnlyDictionary<string, long>? lastIds = null)
    {
        foreach (var (key, last) in lastIds ?? new Dictionary<string, long>()) _counters[key] = new Counter { Last = last };
    }

    /// <summary>The counter for <paramref name="key"/>; the same object every time, so a room created again shares it.</summary>
    public Counter For(string key) => _counters.GetOrAdd(key, static _ => new Counter());

    public sealed class Counter
    {
        internal long Last;

        /// <summary>The next id. Called under the lock that orders the target's messages.</summary>
        public long Next() => Interlocked.Increment(ref Last);

        /// <summary>The last id given out.</summary>
        public long Current => Interlocked.Read(ref Last);
    }
}
