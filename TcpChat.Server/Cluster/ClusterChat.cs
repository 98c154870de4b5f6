using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;
using TcpChat.Protocol;
using TcpChat.Server.Chat;
using TcpChat.Server.History;
using TcpChat.Server.Security;

namespace TcpChat.Server.Cluster;

/// <summary>
/// Cluster mode: this node's part of a chat shared by every node on one JetStream engine (README, "Run a cluster").
/// A verb becomes an event stored in the stream; nothing is delivered until the engine has stored it. One ordered
/// consumer per node reads the whole stream and fans each event out to this node's members (ClusterChat.Apply.cs), so
/// every member on every node sees a room in the stream's order, and a message's id is its stream sequence. Nicks are
/// claimed by creating a key in a bucket (create fails if it exists); room members are kept in a bucket too, for a node
/// that starts while others run. Liveness and the engine's absence: ClusterChat.Nodes.cs.
/// </summary>
internal sealed partial class ClusterChat : IChatCluster, IHostedService, IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly HistoryOptions _history;
    private readonly ChatOptions _chat;
    private readonly ChatHub _hub;
    private readonly AccountBook _accounts;
    private readonly ILogger _log;
    private readonly Hosting.FatalFailure _failure;
    private readonly ClusterEngine _engine;
    private readonly ConcurrentDictionary<Session, ClusterSession> _sessions = new();
    private readonly ConcurrentDictionary<long, Session> _locals = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly System.Diagnostics.Metrics.Meter _meter;

    /// <summary>Guards <see cref="_rooms"/> and <see cref="_applied"/>: the state the stream builds.</summary>
    private readonly object _gate = new();
    private readonly Dictionary<string, ClusterRoom> _rooms = new();
    private ulong _applied;
    private volatile bool _ready;

    public ClusterChat(IOptions<ClusterOptions> options, IOptions<HistoryOptions> history, IOptions<ChatOptions> chat,
        ChatHub hub, AccountBook accounts, ILogger<ClusterChat> log, Hosting.FatalFailure failure)
    {
        _options = options.Value;
        _history = history.Value;
        _chat = chat.Value;
        _hub = hub;
        _accounts = accounts;
        _failure = failure;
        _log = log;
        _engine = new ClusterEngine(_options, _history, log);
        // The engine's state on the server's meter, beside the chat's counters (ChatMetrics).
        _meter = new System.Diagnostics.Metrics.Meter(ChatMetrics.MeterName);
        _meter.CreateObservableGauge("tcpchat.cluster.engine_connected", () => _engine.Connected ? 1 : 0, description: "1 while this node is connected to the cluster engine");
        _meter.CreateObservableGauge("tcpchat.cluster.pending_publishes", () => _engine.Pending, description: "events sent to the engine and not acknowledged yet");
        _meter.CreateObservableGauge("tcpchat.cluster.nodes_seen", () => _liveNodes, description: "live nodes, this one included");
        _meter.CreateObservableGauge("tcpchat.cluster.engine_errors", () => _engine.Errors, description: "engine operations that failed");
        _meter.CreateObservableGauge("tcpchat.cluster.cut_off", () => _cutOff ? 1 : 0, description: "1 while this node has closed its sessions for want of the engine");
        // In cluster mode from the start: a session that comes before the engine is ready is refused (ERR UNAVAILABLE),
        // never served as if this were a server on its own.
        _hub.UseCluster(this);
        _engine.ConnectionChanged += up =>
        {
            if (up) _log.LogInformation("Cluster engine connected");
            else _log.LogWarning("Cluster engine lost: messages are refused with ERR UNAVAILABLE until it is back");
        };
    }

    public string NodeName => _options.NodeName;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _engine.StartAsync(cancellationToken);
            await LoadAccountsAsync(cancellationToken);
            ulong last = (await _engine.JetStream.GetStreamAsync(Subjects.Stream, cancellationToken: cancellationToken)).Info.State.LastSeq;
            await LoadMembersAsync();
            lock (_gate) _applied = last;
        }
        catch (Exception e) when (e is NatsException or ClusterUnavailableException or OperationCanceledException)
        {
            throw new InvalidOperationException($"cluster engine {_options.Nats} cannot be used: {e.Message}", e);
        }
        _accounts.Store = SaveAccountAsync;
        _ready = true;
        _loops.Add(RunOrStopServer("the cluster consumer", ConsumeAsync));
        _loops.Add(RunOrStopServer("the cluster's account watch", WatchAccountsAsync));
        _loops.Add(RunOrStopServer("the cluster's node watch", WatchNodesAsync));
        _loops.Add(RunOrStopServer("the cluster heartbeat", HeartbeatAsync));
        _dirty = true; // entries left by this node's previous run are cleared on the first beat
        _log.LogInformation("Cluster node {Node} ready", NodeName);
    }

    /// <summary>
    /// Runs one of the node's loops. Each rides out the engine's faults by itself; one that ends with anything else
    /// (a bug) would leave the node up but deaf or silent, so it stops the server with exit code 1 and the reason.
    /// </summary>
    private Task RunOrStopServer(string part, Func<CancellationToken, Task> loop) => Task.Run(async () =>
    {
        try { await loop(_stopping.Token); }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }
        catch (Exception e) { _failure.Stop(part, e); }
    });

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_disposed) return;
        await _stopping.CancelAsync();
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping.Cancel();
        _meter.Dispose();
        await _engine.DisposeAsync();
        _stopping.Dispose();
    }

    private ClusterSession State(Session session)
    {
        _locals.TryAdd(session.Id, session);
        return _sessions.GetOrAdd(session, _ => new ClusterSession());
    }

    // ---- nicks ----

    public async Task<bool> ClaimNickAsync(Session session, string key, string nick)
    {
        if (!_ready) throw new ClusterUnavailableException("this node is still joining the cluster");
        if (_cutOff) throw new ClusterUnavailableException("this node is rejoining the cluster engine");
        State(session);
        var result = await _engine.Call(c => _engine.Nicks.TryCreateAsync(Subjects.Token(key), NickValue(nick, session), cancellationToken: c));
        if (result.Success) return true;
        if (result.Error is NatsKVException) return false; // the key exists: someone on some node holds the nick
        throw new ClusterUnavailableException($"the nick could not be claimed ({result.Error.Message})", result.Error);
    }

    private string NickValue(string nick, Session session) => $"{NodeName}\n{session.Id}\n{nick}";

    public void ReleaseNick(string key) => _ = ReleaseNickAsync(key);

    private async Task ReleaseNickAsync(string key)
    {
        try
        {
            await _engine.Call(c => _engine.Nicks.DeleteAsync(Subjects.Token(key), cancellationToken: c));
        }
        catch (ClusterUnavailableException)
        {
            _dirty = true; // cleared once the engine is back (ClusterChat.Nodes.cs)
        }
    }

    public void Renamed(Session session, string? oldNick, string? oldKey)
    {
        if (oldNick is null || oldKey is null) return;
        string nick = session.Nick!, key = session.NickKey!;
        var state = State(session);
        state.Then(async () =>
        {
            try
            {
                if (oldKey != key) await ReleaseNickAsync(oldKey);
                else await _engine.Call(c => _engine.Nicks.PutAsync(Subjects.Token(key), NickValue(nick, session), cancellationToken: c));
                await _engine.PublishAsync(Subjects.Nick, new ClusterEvent(ClusterEvent.Rename, [oldNick, nick, NodeName], []));
                string[] rooms;
                lock (state.Rooms) rooms = [.. state.Rooms.Keys];
                foreach (string room in rooms)
                {
                    await _engine.Call(c => _engine.Members.DeleteAsync(Subjects.MemberKey(room, oldKey), cancellationToken: c));
                    await PutMemberAsync(session, room, state.Rooms.GetValueOrDefault(room) ?? room, nick, key);
                }
            }
            catch (ClusterUnavailableException e)
            {
                _dirty = true;
                _log.LogDebug("Rename of {Nick} not told to the cluster: {Reason}", nick, e.Message);
            }
        });
    }

    // ---- rooms ----

    // JOIN <#room>. Answered from the stream: JOIN to every member on every node, then NAMES and HISTORY to the joiner.
    public void Join(Session session, string raw, bool fromVerb)
    {
        if (!TextRules.TryNormalizeRoom(raw, out string name, out string reason))
        {
            session.SendError(ErrorCode.BadRoom, "JOIN", reason);
            return;
        }
        string key = TextRules.Key(name);
        var state = State(session);
        lock (state.Rooms)
        {
            if (state.Rooms.ContainsKey(key))
            {
                lock (_gate) session.Send(NamesFrame(_rooms.GetValueOrDefault(key), name));
                return;
            }
            if (state.Rooms.Count >= _chat.MaxRoomsPerUser)
            {
                session.SendError(ErrorCode.TooManyRooms, "JOIN", $"at most {_chat.MaxRoomsPerUser} rooms at once");
                return;
            }
            state.Rooms.Add(key, name);
        }
        string nick = session.Nick!, nickKey = session.NickKey!;
        var work = state.Then(async () =>
        {
            try
            {
                // The member's key first, the event second: a node starting meanwhile finds one or the other (ClusterChat.Apply.cs).
                await PutMemberAsync(session, key, name, nick, nickKey);
                await _engine.PublishAsync(Subjects.Members(key),
                    new ClusterEvent(ClusterEvent.Join, [nick, NodeName, session.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), name], []));
            }
            catch (ClusterUnavailableException e)
            {
                lock (state.Rooms) state.Rooms.Remove(key);
                session.SendError(ErrorCode.Unavailable, "JOIN", $"not joined: {e.Message}");
            }
        });
        if (fromVerb) session.Guard.Defer(work);
    }

    private Task PutMemberAsync(Session session, string roomKey, string roomName, string nick, string nickKey) =>
        _engine.Call(c => _engine.Members.PutAsync(Subjects.MemberKey(roomKey, nickKey),
            $"{NodeName}\n{session.Id}\n{nick}\n{roomName}", cancellationToken: c));

    // PART <#room> [text]. Answer: PART to every member on every node, the leaver included.
    public void Part(Session session, string raw, byte[]? text)
    {
        if (!TryGetJoined(session, raw, "PART", out var state, out string key, out string name)) return;
        lock (state.Rooms) state.Rooms.Remove(key);
        string nick = session.Nick!, nickKey = session.NickKey!;
        session.Guard.Defer(state.Then(async () =>
        {
            try
            {
                await _engine.PublishAsync(Subjects.Members(key), new ClusterEvent(ClusterEvent.Part, [nick, NodeName, name], text ?? []));
                await _engine.Call(c => _engine.Members.DeleteAsync(Subjects.MemberKey(key, nickKey), cancellationToken: c));
            }
            catch (ClusterUnavailableException e)
            {
                lock (state.Rooms) state.Rooms.TryAdd(key, name);
                session.SendError(ErrorCode.Unavailable, "PART", $"not left: {e.Message}");
            }
        }));
    }

    // SEND <#room or nick> <text>. Answer, once stored: MSG to the room's members on every node, or to the recipient
    // and the sender, wherever they are. The id is the stream's sequence.
    public void Send(Session session, string target, byte[] text)
    {
        if (TextRules.IsRoomName(target))
        {
            if (!TryGetJoined(session, target, "SEND", out var state, out string key, out _)) return;
            string sender = session.Nick!;
            session.Guard.Defer(state.Then(() => PublishOrRefuse(session, Subjects.Room(key), new ClusterEvent(ClusterEvent.Message, [sender], text))));
            return;
        }
        if (!TextRules.TryNormalizeNick(target, out string nick, out _))
        {
            session.SendError(ErrorCode.NoSuchNick, "SEND", $"no one is called {target}");
            return;
        }
        string recipientKey = TextRules.Key(nick), from = session.Nick!, fromKey = session.NickKey!;
        session.Guard.Defer(State(session).Then(async () =>
        {
            string? spelled;
            try
            {
                var entry = await _engine.Call(c => _engine.Nicks.TryGetEntryAsync<string>(Subjects.Token(recipientKey), cancellationToken: c));
                spelled = entry.Success && entry.Value.Value is { } value ? value.Split('\n')[2] : null;
            }
            catch (ClusterUnavailableException e)
            {
                session.SendError(ErrorCode.Unavailable, "SEND", $"not sent: {e.Message}");
                return;
            }
            if (spelled is null)
            {
                session.SendError(ErrorCode.NoSuchNick, "SEND", $"no one is called {target}");
                return;
            }
            await PublishOrRefuse(session, Subjects.Private(fromKey, recipientKey), new ClusterEvent(ClusterEvent.Private, [from, spelled], text));
        }));
    }

    private async Task PublishOrRefuse(Session session, string subject, ClusterEvent message)
    {
        try
        {
            await _engine.PublishAsync(subject, message);
        }
        catch (ClusterUnavailableException e)
        {
            session.SendError(ErrorCode.Unavailable, "SEND", e.Unconfirmed ? $"not confirmed, it may still be delivered: {e.Message}" : $"not sent: {e.Message}");
        }
    }

    // NAMES <#room>. Answer: NAMES <#room> <members on every node, in the order the stream joined them>.
    public void Names(Session session, string room)
    {
        lock (_gate) session.Send(NamesFrame(_rooms.GetValueOrDefault(TextRules.Key(room)), room));
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private static byte[] NamesFrame(ClusterRoom? room, string name) =>
        FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Names, [room?.Name ?? name],
            room is null ? "" : string.Join(' ', room.Members.Select(m => m.Nick))));

    // HISTORY <#room or nick> [before=<id>] [limit=<n>]. Read from the stream, up to the last event this node has
    // fanned out, so that what comes after the page reaches the session live.
    public void History(Session session, string target, long before, int limit)
    {
        if (TextRules.IsRoomName(target))
        {
            if (!TryGetJoined(session, target, "HISTORY", out _, out string key, out string name)) return;
            lock (_gate)
            {
                string spelled = _rooms.GetValueOrDefault(key)?.Name ?? name;
                session.SendPage(PageAsync(session, Subjects.Room(key), spelled, Below(before), limit, _ => spelled));
            }
            return;
        }
        if (!TextRules.TryNormalizeNick(target, out string nick, out string reason))
        {
            session.SendError(ErrorCode.BadNick, "HISTORY", reason);
            return;
        }
        string subject = Subjects.Private(session.NickKey!, TextRules.Key(nick));
        lock (_gate) session.SendPage(PageAsync(session, subject, nick, Below(before), limit, e => e.Fields[1]));
    }

    /// <summary>Under <see cref="_gate"/>: the exclusive upper sequence of a page asked for now.</summary>
    private ulong Below(long before) => Math.Min((ulong)before, _applied + 1);

    /// <summary>
    /// <c>HISTORY &lt;header&gt; &lt;count&gt;</c> and the MSG frames, the same bytes as live; as many of the newest as fit
    /// in half an outbox (at least one), like a page from SQLite.
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> PageAsync(Session session, string subject, string header, ulong before, int limit,
        Func<ClusterEvent, string> target)
    {
        byte[] page;
        try
        {
            var found = await _engine.ReadBeforeAsync(subject, before, limit);
            var frames = found.Where(m => m.Event.Kind is ClusterEvent.Message or ClusterEvent.Private)
                .Select(m => MessageFrame.Encode(target(m.Event), m.Event.Fields[0], (long)m.Seq, m.Time.ToUnixTimeMilliseconds(), m.Event.Text))
                .ToList();
            int budget = _chat.OutboxBytes / 2, total = 0, first = frames.Count;
            while (first > 0 && (first == frames.Count || total + frames[first - 1].Length <= budget)) total += frames[--first].Length;
            var output = new System.Buffers.ArrayBufferWriter<byte>(total + 64);
            FrameWriter.Write(output, Verb.History, header, (frames.Count - first).ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int i = first; i < frames.Count; i++) output.Write(frames[i]);
            page = output.WrittenSpan.ToArray();
        }
        catch (ClusterUnavailableException e)
        {
            page = FrameWriter.Encode(w => FrameWriter.WriteError(w, ErrorCode.Unavailable, "HISTORY", $"history could not be read: {e.Message}"));
        }
        return session.TryChargePage(page.Length) ? page : ReadOnlyMemory<byte>.Empty;
    }

    private bool TryGetJoined(Session session, string raw, string verb, out ClusterSession state, out string key, out string name)
    {
        state = State(session);
        key = "";
        if (!TextRules.TryNormalizeRoom(raw, out name, out string reason))
        {
            session.SendError(ErrorCode.BadRoom, verb, reason);
            return false;
        }
        key = TextRules.Key(name);
        lock (state.Rooms)
            if (state.Rooms.TryGetValue(key, out string? joined))
            {
                name = joined;
                return true;
            }
        session.SendError(ErrorCode.NotInRoom, verb, $"you are not in {name}");
        return false;
    }

    // ---- leaving ----

    /// <summary>
    /// Deletes <paramref name="key"/> if this node's session <paramref name="sessionId"/> still holds it: a session the
    /// cluster took for lost may find its nick claimed by someone else by the time it goes.
    /// </summary>
    private async Task DeleteIfHeldAsync(INatsKVStore bucket, string key, long sessionId)
    {
        var entry = await _engine.Call(c => bucket.TryGetEntryAsync<string>(key, cancellationToken: c));
        if (!entry.Success || entry.Value.Value is not { } value) return;
        string[] parts = value.Split('\n');
        if (parts.Length < 2 || parts[0] != NodeName || parts[1] != sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture)) return;
        await _engine.Call(c => bucket.DeleteAsync(key, new NatsKVDeleteOpts { Revision = entry.Value.Revision }, cancellationToken: c));
    }

    /// <summary>The session ended: QUIT to whoever shared a room with it, on every node; its keys and nick freed.</summary>
    public void Disconnect(Session session, string reason)
    {
        if (!_sessions.TryRemove(session, out var state)) return; // never asked the cluster for anything
        if (session.Nick is not { } nick || session.NickKey is not { } nickKey)
        {
            // Left before its nick took effect: a claim it made (or is making) is cleared by the next heartbeat.
            _locals.TryRemove(session.Id, out _);
            _dirty = true;
            return;
        }
        string[] rooms;
        lock (state.Rooms) rooms = [.. state.Rooms.Keys];
        state.Then(async () =>
        {
            try
            {
                await _engine.PublishAsync(Subjects.Quit, new ClusterEvent(ClusterEvent.Quit, [nick, NodeName], Encoding.UTF8.GetBytes(reason)));
                foreach (string room in rooms)
                    await DeleteIfHeldAsync(_engine.Members, Subjects.MemberKey(room, nickKey), session.Id);
                await DeleteIfHeldAsync(_engine.Nicks, Subjects.Token(nickKey), session.Id);
            }
            catch (ClusterUnavailableException e)
            {
                _dirty = true; // the heartbeat loop says it once the engine is back
                _log.LogDebug("QUIT of {Nick} not told to the cluster yet: {Reason}", nick, e.Message);
            }
            finally
            {
                _locals.TryRemove(session.Id, out _);
            }
        });
    }
}
