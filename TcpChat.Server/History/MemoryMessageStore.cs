namespace TcpChat.Server.History;

/// <summary>
/// History kept in memory only (<c>--no-history</c>): the same answers as the database while the server runs, gone when
/// it stops, and bounded by the same retention settings. Ids start again from 1 at every start.
/// </summary>
public sealed partial class MemoryMessageStore : IMessageStore
{
    private readonly Dictionary<string, List<StoredMessage>> _targets = new();

    /// <summary>Says where history really is: with --cluster, this store stays empty and the engine keeps it.</summary>
    public string Description { get; init; } = "memory (--no-history: lost on restart)";

    /// <summary>
    /// The newest id still held for the room. A room none of whose messages are left starts again from 1: there is
    /// nothing its new ids could be confused with.
    /// </summary>
    public long LastId(string counter) => _targets.TryGetValue(counter, out var list) && list.Count > 0 ? list[^1].Id : 0;

    public void Append(IReadOnlyList<StoredMessage> batch)
    {
        foreach (var m in batch)
        {
            if (!_targets.TryGetValue(m.TargetKey, out var list)) _targets[m.TargetKey] = list = new();
            list.Add(m); // a target's messages come in id order
        }
    }

    public IReadOnlyList<StoredMessage> Read(string targetKey, long beforeId, int limit)
    {
        if (!_targets.TryGetValue(targetKey, out var list)) return [];
        int end = FirstAtOrAbove(list, beforeId);
        int start = Math.Max(0, end - limit);
        return list.GetRange(start, end - start);
    }

    public int Prune(long olderThanUnixMs, int maxPerTarget, int maxRows)
    {
        int deleted = 0;
        foreach (var (key, list) in _targets.ToList())
        {
            if (deleted >= maxRows) break;
            int old = 0;
            while (old < list.Count && list[old].UnixMs < olderThanUnixMs) old++;
            int remove = Math.Min(Math.Max(old, list.Count - maxPerTarget), maxRows - deleted);
            if (remove <= 0) continue;
            list.RemoveRange(0, remove);
            deleted += remove;
            if (list.Count == 0) _targets.Remove(key);
        }
        return deleted;
    }

    public void Dispose() => _targets.Clear();

    private static int FirstAtOrAbove(List<StoredMessage> list, long id)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (list[mid].Id < id) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
