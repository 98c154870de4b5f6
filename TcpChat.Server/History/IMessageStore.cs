namespace TcpChat.Server.History;

/// <summary>
/// Where messages are kept. Only <see cref="MessageLog"/> calls it, one call at a time (under its lock), so an
/// implementation needs no locking of its own.
/// </summary>
public interface IMessageStore : IDisposable
{
    /// <summary>What is kept where, for logs: the database file, or "memory".</summary>
    string Description { get; }

    /// <summary>The last id stored for one counter (a room's key); 0 when there is none.</summary>
    long LastId(string counter);

    /// <summary>Stores a batch of messages, all or none (one transaction, one sync to disk).</summary>
    void Append(IReadOnlyList<StoredMessage> batch);

    /// <summary>The newest <paramref name="limit"/> messages of <paramref name="targetKey"/> with an id below <paramref name="beforeId"/>, oldest first.</summary>
    IReadOnlyList<StoredMessage> Read(string targetKey, long beforeId, int limit);

    /// <summary>
    /// Deletes messages older than <paramref name="olderThanUnixMs"/> and, in each target, all but the newest
    /// <paramref name="maxPerTarget"/>; at most about <paramref name="maxRows"/> rows per call, so a big backlog does not stall
    /// the loop. Returns how many were deleted: when it is <paramref name="maxRows"/> or more, call again.
    /// </summary>
    int Prune(long olderThanUnixMs, int maxPerTarget, int maxRows);

    /// <summary>Every registered nick (<see cref="Security.Account"/>); read once, at start.</summary>
    IReadOnlyList<Security.Account> LoadAccounts();

    /// <summary>Stores an account, replacing the one of the same nick key (one transaction, one sync to disk).</summary>
    void SaveAccount(Security.Account account);
}
