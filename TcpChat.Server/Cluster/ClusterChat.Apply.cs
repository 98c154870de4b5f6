using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using TcpChat.Protocol;
using TcpChat.Server.Chat;
using TcpChat.Server.History;

namespace TcpChat.Server.Cluster;

/// <summary>
/// The stream's consumer: each stored event, in the stream's order, changes the rooms and is fanned out to this node's
/// sessions, encoded once. Applying is idempotent (a JOIN of a member already there, a PART or QUIT of one not there,
/// change nothing), so the start-up snapshot of the members bucket may overlap the events that follow it.
/// </summary>
internal sealed partial class ClusterChat
{
    private async Task ConsumeAsync(CancellationToken stop)
    {
        bool probation = false; // this consumer replaces a stuck one: it must deliver soon, or be made again
        while (!stop.IsCancellationRequested)
        {
            try
            {
                ulong from;
                lock (_gate) from = _applied + 1;
                Volatile.Write(ref _consumerAt, from - 1);
                var consumer = await _engine.JetStream.CreateOrderedConsumerAsync(Subjects.Stream, new NatsJSOrderedConsumerOpts
                {
                    DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                    OptStartSeq = from,
                }, stop);
                // Short pulls with frequent heartbeats: when the server holding the pull dies (a stream leader, say), the
                // library notices within two heartbeats and pulls again elsewhere, instead of waiting out a 30 s pull.
                var pulls = new NatsJSConsumeOpts { MaxMsgs = 1000, Expires = TimeSpan.FromSeconds(5), IdleHeartbeat = TimeSpan.FromSeconds(1) };
                using var stuck = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var watchdog = WatchConsumerAsync(stuck, probation);
                try
                {
                    await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: pulls, cancellationToken: stuck.Token))
                    {
                        if (msg.Metadata is not { } meta) continue;
                        Volatile.Write(ref _consumerAt, meta.Sequence.Stream);
                        Interlocked.Increment(ref _consumerDeliveries);
                        ApplyStored(msg.Subject, meta.Sequence.Stream, meta.Timestamp, msg.Data);
                    }
                }
                finally
                {
                    await stuck.CancelAsync(); // ends the watchdog with this consumer
                    await watchdog;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (_consumerStuck)
            {
                // Said below: the library ends the consumption quietly or with this, depending on where it was.
            }
            catch (Exception e)
            {
                // The engine went away for longer than the ordered consumer's resets: start again where it stopped.
                _engine.Failed($"consumer: {e.Message}");
                _log.LogWarning("Cluster consumer stopped ({Reason}); starting again from {Seq}", e.Message, Volatile.Read(ref _applied) + 1);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stop); }
                catch (OperationCanceledException) { return; }
            }
            probation = _consumerStuck;
            if (_consumerStuck)
            {
                // The watchdog found the consumer stuck: a new one, from the first event not applied.
                _consumerStuck = false;
                _log.LogWarning("Cluster consumer stuck (stored events not delivered for {Seconds:0.0} s); starting again from {Seq}",
                    _stuckFor.TotalSeconds, Volatile.Read(ref _applied) + 1);
            }
        }
    }

    /// <summary>
    /// Applies a stored event, from the consumer or the catch-up, once: both may bring the same one (a reset consumer
    /// starts again where the node was, and the catch-up and a consumer that comes back may overlap).
    /// </summary>
    private void ApplyStored(string subject, ulong seq, DateTimeOffset time, byte[]? data)
    {
        lock (_gate)
        {
            if (seq <= _applied) return;
            if (data is not null && ClusterEvent.Decode(data) is { } e) Apply(subject, seq, time, e);
            _applied = seq;
        }
    }

    /// <summary>The last stream sequence the consumer in use delivered (or the one before it started at).</summary>
    private ulong _consumerAt;

    /// <summary>Events any consumer delivered (applied or not): the catch-up ends when it grows.</summary>
    private long _consumerDeliveries;

    private int _catchingUp;

    /// <summary>
    /// While the consumer is stuck, reads the stream's events one by one from the first not applied, and applies them:
    /// a message get is answered by the stream's leader alone, whereas a new consumer needs the metadata leader too, and
    /// the server it is placed on. After a kill of the server that led both, new consumers delivered nothing for up to
    /// 3 s past the stream's election (seen in 2 leader kills of 8), while the stream answered. Ends once the consumer
    /// in use delivers again, or when the stream has had nothing new for <see cref="CatchUpIdle"/>.
    /// </summary>
    private async Task CatchUpAsync(CancellationToken stop)
    {
        if (Interlocked.Exchange(ref _catchingUp, 1) == 1) return;
        try
        {
            long deliveries = Interlocked.Read(ref _consumerDeliveries);
            long lastFound = Environment.TickCount64;
            int applied = 0;
            while (!stop.IsCancellationRequested && Environment.TickCount64 - lastFound < CatchUpIdle.TotalMilliseconds)
            {
                if (Interlocked.Read(ref _consumerDeliveries) != deliveries) break; // a consumer delivers again
                NATS.Client.JetStream.Models.StoredMessage? next;
                try { next = await _engine.NextEventAsync(Volatile.Read(ref _applied) + 1); }
                catch (ClusterUnavailableException) { next = null; }
                if (next is null)
                {
                    await Task.Delay(CatchUpPoll, stop);
                    continue;
                }
                lastFound = Environment.TickCount64;
                ApplyStored(next.Subject, next.Seq, next.Time, next.Data.ToArray());
                applied++;
            }
            _log.LogWarning("Cluster catch-up ended: {Count} events applied without the consumer", applied);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            _failure.Stop("the cluster catch-up", e); // a bug: like the node's other loops, not left unseen
        }
        finally
        {
            Volatile.Write(ref _catchingUp, 0);
        }
    }

    /// <summary>How often the catch-up looks for a new event when it has found none.</summary>
    private static readonly TimeSpan CatchUpPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>The catch-up stops after this long with nothing new: the stream is quiet, and the watchdog is on.</summary>
    private static readonly TimeSpan CatchUpIdle = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the stream may hold events this node's consumer has not delivered, with none delivered meanwhile, before
    /// the consumer counts as stuck (short: each second here is a second of the stall after an election; a consumer that is merely
    /// slow makes progress, and a needless restart costs one consumer made again). After a stream leader's death the library's ordered consumer sometimes stopped delivering
    /// without an error (seen about once in three leader kills on nats-server 2.9.10): the events were stored, and
    /// nobody on this node saw them.
    /// </summary>
    private static readonly TimeSpan ConsumerStuckAfter = TimeSpan.FromSeconds(1);

    private volatile bool _consumerStuck;
    private TimeSpan _stuckFor; // for the log: how long the consumer stood still when it was found stuck

    /// <summary>
    /// Cancels <paramref name="stuck"/> when the consumer delivered none for <see cref="ConsumerStuckAfter"/> and the
    /// stream, asked twice half a second apart, holds events it has not delivered both times, or holds some at its first
    /// answer after it could not answer (a leader elected meanwhile). On <paramref name="probation"/> (the consumer
    /// replaces a stuck one, so it starts with events to deliver) one such answer is enough: a consumer made right after
    /// an election sometimes delivered nothing either (1 leader kill in 8), and asking twice again made that stall 4.7 s
    /// past the election. The stuck consumer's events are read meanwhile (<see cref="CatchUpAsync"/>). Only the stream's answer
    /// counts: while it has no leader (an election) it cannot answer, and a consumer made again then would only wait
    /// for the election too. An idle node asks once per <see cref="ConsumerStuckAfter"/>; a busy one never.
    /// </summary>
    private async Task WatchConsumerAsync(CancellationTokenSource stuck, bool probation)
    {
        var ended = stuck.Token;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        long stillSince = Environment.TickCount64;
        ulong lastDelivered = Volatile.Read(ref _consumerAt);
        bool behind = false, unanswered = false;
        while (await WaitAsync(timer, ended))
        {
            ulong delivered = Volatile.Read(ref _consumerAt);
            long now = Environment.TickCount64;
            if (delivered != lastDelivered)
            {
                lastDelivered = delivered;
                stillSince = now;
                behind = probation = false;
                continue;
            }
            if (now - stillSince < (long)ConsumerStuckAfter.TotalMilliseconds) continue;
            ulong stored;
            try { stored = await _engine.LastSequenceAsync(); }
            catch (ClusterUnavailableException)
            {
                behind = false; // no answer (no leader, or no engine): nothing to tell yet
                unanswered = true;
                continue;
            }
            if (stored <= Volatile.Read(ref _consumerAt))
            {
                stillSince = Environment.TickCount64; // idle, not stuck: ask again a period from now
                behind = unanswered = probation = false;
                continue;
            }
            if (!behind && !unanswered && !probation)
            {
                behind = true; // the stream answers and holds more: stuck if it is still so at the next tick
                continue;
            }
            // Behind twice in a row; or at the stream's first answer after none (a new leader, elected while this
            // consumer stood still: the one it read from is gone, and the library's own reset waits on it); or behind
            // once, for a consumer on probation.
            _stuckFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - stillSince);
            _consumerStuck = true;
            _ = CatchUpAsync(_stopping.Token); // meanwhile, so that the chat goes on whether or not the new consumer delivers
            await stuck.CancelAsync();
            return;
        }
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void Apply(string subject, ulong seq, DateTimeOffset time, ClusterEvent e)
    {
        switch (e.Kind)
        {
            case ClusterEvent.Message when subject.StartsWith(Subjects.RoomPrefix, StringComparison.Ordinal):
                if (_rooms.TryGetValue(Subjects.KeyOf(subject[Subjects.RoomPrefix.Length..]), out var room))
                {
                    byte[] frame = MessageFrame.Encode(room.Name, e.Fields[0], (long)seq, time.ToUnixTimeMilliseconds(), e.Text);
                    foreach (var member in room.Members) member.Local?.Send(frame);
                }
                break;
            case ClusterEvent.Private:
                ApplyPrivate(seq, time, e);
                break;
            case ClusterEvent.Join when subject.StartsWith(Subjects.MembersPrefix, StringComparison.Ordinal):
                ApplyJoin(Subjects.KeyOf(subject[Subjects.MembersPrefix.Length..]), seq, e);
                break;
            case ClusterEvent.Part when subject.StartsWith(Subjects.MembersPrefix, StringComparison.Ordinal):
                ApplyPart(Subjects.KeyOf(subject[Subjects.MembersPrefix.Length..]), e);
                break;
            case ClusterEvent.Quit:
                ApplyQuit(e.Fields[0], e.Fields[1], e.Text);
                break;
            case ClusterEvent.Rename:
                ApplyRename(e.Fields[0], e.Fields[1], e.Fields[2]);
                break;
        }
    }

    private void ApplyPrivate(ulong seq, DateTimeOffset time, ClusterEvent e)
    {
        // To whoever holds the two nicks on this node now: the recipient, and the sender's echo.
        var recipient = _hub.LocalHolder(TextRules.Key(e.Fields[1]));
        var sender = _hub.LocalHolder(TextRules.Key(e.Fields[0]));
        if (recipient is null && sender is null) return;
        byte[] frame = MessageFrame.Encode(e.Fields[1], e.Fields[0], (long)seq, time.ToUnixTimeMilliseconds(), e.Text);
        recipient?.Send(frame);
        if (sender is not null && sender != recipient) sender.Send(frame);
    }

    private void ApplyJoin(string roomKey, ulong seq, ClusterEvent e)
    {
        string nick = e.Fields[0], node = e.Fields[1], roomName = e.Fields[3];
        long sessionId = long.Parse(e.Fields[2], CultureInfo.InvariantCulture);
        Session? local = node == NodeName && _locals.TryGetValue(sessionId, out var s) && s.NickKey == TextRules.Key(nick) ? s : null;
        if (!_rooms.TryGetValue(roomKey, out var room)) _rooms.Add(roomKey, room = new ClusterRoom(roomKey, roomName));
        if (room.Find(TextRules.Key(nick), node) is not null) return;
        room.Members.Add(new ClusterMember(nick, node, sessionId, local));
        byte[] join = FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Join, room.Name, nick));
        foreach (var member in room.Members) member.Local?.Send(join);
        if (local is null) return;
        local.Send(NamesFrame(room, room.Name));
        // The page ends just before this JOIN: every later message of the room reaches the joiner live, after it.
        if (_history.OnJoin > 0) local.SendPage(PageAsync(local, Subjects.Room(roomKey), room.Name, seq, _history.OnJoin, _ => room.Name));
    }

    private void ApplyPart(string roomKey, ClusterEvent e)
    {
        if (!_rooms.TryGetValue(roomKey, out var room) || room.Find(TextRules.Key(e.Fields[0]), e.Fields[1]) is not { } leaver) return;
        byte[] part = FrameWriter.Encode(w =>
        {
            if (e.Text.Length == 0) FrameWriter.Write(w, Verb.Part, room.Name, leaver.Nick);
            else FrameWriter.WriteWithText(w, Verb.Part, [room.Name, leaver.Nick], e.Text);
        });
        foreach (var member in room.Members) member.Local?.Send(part);
        Remove(room, leaver);
    }

    /// <summary>Out of every room; QUIT once to each local member who shared one.</summary>
    private void ApplyQuit(string nick, string node, byte[] reason)
    {
        string key = TextRules.Key(nick);
        var peers = new HashSet<Session>();
        foreach (var room in _rooms.Values.ToList())
        {
            if (room.Find(key, node) is not { } leaver) continue;
            Remove(room, leaver);
            // A session of this node, quit by another node while it still runs: the cluster took this node for lost
            // (its heartbeats did not get through) and has freed the nick. The user must not stay on, present nowhere.
            if (leaver.Local is { } mine && _sessions.ContainsKey(mine))
                mine.Close(ErrorCode.Shutdown, "the cluster took this node for lost: reconnect, to another node if you can", "node lost");
            foreach (var member in room.Members)
                if (member.Local is { } peer) peers.Add(peer);
        }
        if (peers.Count == 0) return;
        byte[] quit = FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Quit, [nick], reason));
        foreach (var peer in peers) peer.Send(quit);
    }

    /// <summary>The member renamed in every room; NICK to each local member who shares one (its own session had it already).</summary>
    private void ApplyRename(string oldNick, string nick, string node)
    {
        string oldKey = TextRules.Key(oldNick);
        var peers = new HashSet<Session>();
        Session? self = null;
        foreach (var room in _rooms.Values)
        {
            if (room.Find(oldKey, node) is not { } member) continue;
            member.Nick = nick;
            member.NickKey = TextRules.Key(nick);
            self ??= member.Local;
            foreach (var other in room.Members)
                if (other.Local is { } peer) peers.Add(peer);
        }
        if (self is not null) peers.Remove(self);
        if (peers.Count == 0) return;
        byte[] notice = FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Nick, oldNick, nick));
        foreach (var peer in peers) peer.Send(notice);
    }

    private void Remove(ClusterRoom room, ClusterMember member)
    {
        room.Members.Remove(member);
        if (room.Members.Count == 0) _rooms.Remove(room.Key);
    }

    /// <summary>
    /// At start: the rooms' members on the other nodes, from the members bucket, in the order they were stored. Events
    /// after the stream's last sequence read before this are applied on top, idempotently.
    /// </summary>
    private async Task LoadMembersAsync()
    {
        var entries = new List<NatsKVEntry<string>>();
        await foreach (string key in KeysAsync(_engine.Members))
        {
            var entry = await _engine.Call(c => _engine.Members.TryGetEntryAsync<string>(key, cancellationToken: c));
            if (entry.Success && entry.Value.Value is not null) entries.Add(entry.Value);
        }
        lock (_gate)
        {
            foreach (var entry in entries.OrderBy(e => e.Revision))
            {
                string[] parts = entry.Value!.Split('\n');
                if (parts.Length < 4 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out long sessionId)) continue;
                string roomKey = Subjects.KeyOf(entry.Key.Split('.')[0]);
                if (!_rooms.TryGetValue(roomKey, out var room)) _rooms.Add(roomKey, room = new ClusterRoom(roomKey, parts[3]));
                if (room.Find(TextRules.Key(parts[2]), parts[0]) is null) room.Members.Add(new ClusterMember(parts[2], parts[0], sessionId, null));
            }
        }
        _log.LogInformation("Cluster: {Count} room membership(s) loaded", entries.Count);
    }

    /// <summary>The keys of a bucket; none when it is empty.</summary>
    private async IAsyncEnumerable<string> KeysAsync(INatsKVStore bucket)
    {
        var keys = new List<string>();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.PublishTimeoutSeconds * 2));
            await foreach (string key in bucket.GetKeysAsync(cancellationToken: timeout.Token)) keys.Add(key);
        }
        catch (NatsKVException)
        {
            // an empty bucket
        }
        catch (Exception e) when (e is NATS.Client.Core.NatsException or OperationCanceledException)
        {
            throw new ClusterUnavailableException($"cannot list {bucket.Bucket}: {e.Message}", e);
        }
        foreach (string key in keys) yield return key;
    }

    // ---- accounts: one bucket, every node's AccountBook a copy of it ----

    private async Task LoadAccountsAsync(CancellationToken cancel)
    {
        int count = 0;
        await foreach (string key in KeysAsync(_engine.Accounts))
        {
            var entry = await _engine.Accounts.TryGetEntryAsync<string>(key, cancellationToken: cancel);
            if (entry.Success && entry.Value.Value is { } json && Deserialize(json) is { } account)
            {
                _accounts.Adopt(account);
                count++;
            }
        }
        _log.LogInformation("Cluster: {Count} account(s) loaded", count);
    }

    private async Task WatchAccountsAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var entry in _engine.Accounts.WatchAsync<string>(opts: new NatsKVWatchOpts { UpdatesOnly = true }, cancellationToken: stop))
                    if (entry.Value is { } json && Deserialize(json) is { } account) _accounts.Adopt(account);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogDebug(e, "Account watch stopped; starting again");
                try { await Task.Delay(TimeSpan.FromSeconds(1), stop); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task<bool> SaveAccountAsync(Security.Account account)
    {
        try
        {
            await _engine.Call(c => _engine.Accounts.PutAsync(Subjects.Token(account.NickKey), System.Text.Json.JsonSerializer.Serialize(account), cancellationToken: c));
            return true;
        }
        catch (ClusterUnavailableException e)
        {
            _log.LogWarning("Account {Nick} not stored: {Reason}", account.Nick, e.Message);
            return false;
        }
    }

    private static Security.Account? Deserialize(string json)
    {
        try { return System.Text.Json.JsonSerializer.Deserialize<Security.Account>(json); }
        catch (System.Text.Json.JsonException) { return null; }
    }
}
