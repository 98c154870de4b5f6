using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using TcpChat.Protocol;

namespace TcpChat.Server.Cluster;

/// <summary>
/// Liveness. Every <see cref="ClusterOptions.HeartbeatSeconds"/> each node puts its key in the nodes bucket and reads
/// the others'. A node whose key has not changed for <see cref="ClusterOptions.NodeTimeoutSeconds"/> (timed by this
/// node's own clock, so clocks need not agree) is lost: the first live node by name sends <c>QUIT &lt;nick&gt; :node
/// lost</c> for each of its users and frees their keys. Should two nodes both do it, the second QUIT finds nobody: applying
/// is idempotent. A node cut off from the engine for <see cref="ClusterOptions.EngineTimeoutSeconds"/> closes its own
/// sessions, since the others will have dropped them; when the engine is back it clears what it left there and takes
/// users again.
/// </summary>
internal sealed partial class ClusterChat
{
    /// <summary>Node name: the revision of its heartbeat last seen, and when it last changed (Environment.TickCount64).</summary>
    private readonly Dictionary<string, (ulong Revision, long ChangedAt)> _seen = new();
    private readonly HashSet<string> _handled = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ulong> _beats = new();
    private volatile bool _cutOff;
    private volatile bool _dirty;
    private bool _blind;
    private long _downSince = -1;
    private (ulong Revision, long At)? _unseenBeat;
    private long _lastBeat;
    private CancellationTokenSource? _nodeWatch;
    private int _liveNodes;

    private async Task HeartbeatAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.HeartbeatSeconds));
        do
        {
            try
            {
                await BeatAsync();
            }
            catch (ClusterUnavailableException e)
            {
                _log.LogDebug("Heartbeat: {Reason}", e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _engine.Failed($"heartbeat: {e.Message}");
                _log.LogWarning(e, "Heartbeat failed");
            }
        } while (await WaitAsync(timer, stop));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try { return await timer.WaitForNextTickAsync(stop); }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>
    /// Keeps <see cref="_beats"/>: the last revision of every node's heartbeat key, from one watch of the bucket (a
    /// long-lived consumer, rather than listing the keys, which makes the engine create a consumer at every beat).
    /// </summary>
    private async Task WatchNodesAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var restart = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Volatile.Write(ref _nodeWatch, restart);
            try
            {
                await foreach (var entry in _engine.Nodes.WatchAsync<string>(cancellationToken: restart.Token))
                {
                    if (entry.Operation == NATS.Client.KeyValueStore.NatsKVOperation.Put) _beats[entry.Key] = entry.Revision;
                    else _beats.TryRemove(entry.Key, out _);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (restart.IsCancellationRequested)
            {
                _log.LogWarning("Node watch stuck (this node's own heartbeat never came back through it); starting again");
            }
            catch (Exception e)
            {
                _log.LogDebug(e, "Node watch stopped; starting again");
                try { await Task.Delay(TimeSpan.FromSeconds(1), stop); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task BeatAsync()
    {
        long now = Environment.TickCount64;
        if (!_engine.Connected)
        {
            if (_downSince < 0) _downSince = now;
            if (!_cutOff && now - _downSince > _options.EngineTimeoutSeconds * 1000) CutOff(now - _downSince);
            return;
        }
        if (_downSince >= 0)
        {
            _downSince = -1;
            _blind = true;
        }
        if (_cutOff || _dirty)
        {
            _dirty = false;
            await ReconcileAsync();
            if (_cutOff) _log.LogInformation("Cluster engine back: this node takes users again");
            _cutOff = false;
        }
        ulong beat;
        try
        {
            beat = await _engine.Call(c => _engine.Nodes.PutAsync(NodeName, now.ToString(CultureInfo.InvariantCulture), cancellationToken: c));
        }
        catch (ClusterUnavailableException)
        {
            _blind = true; // connected but the engine does not answer (an election, say): nobody else can beat either
            throw;
        }
        if (_lastBeat > 0 && now - _lastBeat > NodeWatchStuckMs)
        {
            // This node did not beat for a while (the process was paused, or starved): what it last saw of the others
            // is as old as that, so nobody is timed from it, and its own beats are timed afresh.
            _blind = true;
            _unseenBeat = null;
        }
        _lastBeat = now;
        if (!WatchKeepsUp(beat, now))
        {
            _blind = true; // what the watch said of the others is stale: nobody is timed by it
            return;
        }
        if (_blind)
        {
            // Back from an outage or a stall: the others could not beat meanwhile, so each gets a fresh timeout from now.
            foreach (string node in _seen.Keys.ToList()) _seen[node] = (_seen[node].Revision, now);
            _blind = false;
        }
        foreach (var (node, revision) in _beats)
        {
            if (!_seen.TryGetValue(node, out var seen) || seen.Revision != revision)
            {
                _seen[node] = (revision, now);
                _handled.Remove(node); // alive (again)
            }
        }
        // Nodes with members but no heartbeat (one killed before it ever beat, say) are timed from when this node saw them.
        lock (_gate)
            foreach (var member in _rooms.Values.SelectMany(r => r.Members))
                _seen.TryAdd(member.Node, (0, now));
        long timeoutMs = (long)(_options.NodeTimeoutSeconds * 1000);
        var live = _seen.Where(s => s.Key == NodeName || now - s.Value.ChangedAt <= timeoutMs).Select(s => s.Key).ToList();
        _liveNodes = live.Count;
        var lost = _seen.Keys.Except(live).Where(n => !_handled.Contains(n)).ToList();
        if (lost.Count == 0) return;
        bool mine = live.Min(StringComparer.Ordinal) == NodeName;
        foreach (string node in lost)
        {
            if (mine)
            {
                _log.LogWarning("Node {Node} lost (no heartbeat for {Seconds} s): its users quit", node, _options.NodeTimeoutSeconds);
                await ClearNodeAsync(node, "node lost", keep: null);
                await _engine.Call(c => _engine.Nodes.DeleteAsync(node, cancellationToken: c));
            }
            _handled.Add(node);
            _seen.Remove(node);
        }
    }

    /// <summary>
    /// Whether the watch of the nodes bucket brings this node's own heartbeats back. The watch is an ordered consumer,
    /// and those can stop after a stream leader's death without an error (ClusterChat.Apply.cs); a stopped watch would
    /// show every other node's heartbeat frozen, and this node would take them all for lost. So the first beat the
    /// watch has not shown yet is timed: not back within <see cref="NodeWatchStuckMs"/>, the watch starts again.
    /// </summary>
    private bool WatchKeepsUp(ulong beat, long now)
    {
        if (_unseenBeat is { } unseen && _beats.TryGetValue(NodeName, out ulong shown) && shown >= unseen.Revision) _unseenBeat = null;
        if (_unseenBeat is { } late && now - late.At > NodeWatchStuckMs)
        {
            _unseenBeat = null;
            try { Volatile.Read(ref _nodeWatch)?.Cancel(); }
            catch (ObjectDisposedException) { } // it ended by itself meanwhile
            return false;
        }
        _unseenBeat ??= (beat, now);
        return true;
    }

    /// <summary>A watch is stuck when it lags by more than this: short enough to notice before anyone would be taken for lost.</summary>
    private long NodeWatchStuckMs => (long)(1000 * Math.Max(_options.HeartbeatSeconds, _options.NodeTimeoutSeconds - 2 * _options.HeartbeatSeconds));

    /// <summary>Cut off from the engine too long: the other nodes have dropped this node's users, so it closes them.</summary>
    private void CutOff(long downMs)
    {
        _cutOff = true;
        string why = FormattableString.Invariant($"this node lost the cluster engine {downMs / 1000} s ago: reconnect, to another node if you can");
        _log.LogWarning("Closing every session: {Reason}", why);
        foreach (var session in _hub.Sessions) session.Close(ErrorCode.Shutdown, why, "node cut off");
    }

    /// <summary>What this node left in the engine that no session of it holds now: QUITs said, keys freed.</summary>
    private Task ReconcileAsync() => ClearNodeAsync(NodeName, "connection closed", keep: _locals.ContainsKey);

    /// <summary>
    /// The users of <paramref name="node"/> (but the sessions in <paramref name="keep"/>) quit every room with
    /// <paramref name="reason"/>, and their member and nick keys are deleted.
    /// </summary>
    private async Task ClearNodeAsync(string node, string reason, Func<long, bool>? keep)
    {
        List<string> nicks;
        lock (_gate)
            nicks = _rooms.Values.SelectMany(r => r.Members)
                .Where(m => m.Node == node && (keep is null || !keep(m.SessionId)))
                .Select(m => m.Nick).DistinctBy(TextRules.Key).ToList();
        foreach (var bucket in new[] { _engine.Members, _engine.Nicks })
        {
            await foreach (string key in KeysAsync(bucket))
            {
                var entry = await _engine.Call(c => bucket.TryGetEntryAsync<string>(key, cancellationToken: c));
                if (!entry.Success || entry.Value.Value is not { } value) continue;
                string[] parts = value.Split('\n');
                if (parts[0] != node) continue;
                if (keep is not null && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long id) && keep(id)) continue;
                await _engine.Call(c => bucket.DeleteAsync(key, new NATS.Client.KeyValueStore.NatsKVDeleteOpts { Revision = entry.Value.Revision }, cancellationToken: c));
            }
        }
        // The keys first: whoever sees the QUIT finds the nick free.
        foreach (string nick in nicks)
            await _engine.PublishAsync(Subjects.Quit, new ClusterEvent(ClusterEvent.Quit, [nick, node], Encoding.UTF8.GetBytes(reason)));
    }

    public string StatsText()
    {
        int rooms;
        lock (_gate) rooms = _rooms.Count;
        return string.Join('\n',
            $"cluster_engine_connected {(_engine.Connected ? 1 : 0)}",
            $"cluster_cut_off {(_cutOff ? 1 : 0)}",
            $"cluster_pending_publishes {_engine.Pending}",
            $"cluster_nodes_seen {_liveNodes}",
            $"cluster_rooms {rooms}",
            $"cluster_engine_errors {_engine.Errors}",
            $"cluster_last_applied_seq {Volatile.Read(ref _applied)}",
            $"cluster_node {NodeName}",
            $"cluster_last_error {_engine.LastError}");
    }
}
