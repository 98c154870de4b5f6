using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using Xunit.Abstractions;
using static TcpChat.Tests.Cluster.ClusterNode;

namespace TcpChat.Tests.Cluster;

/// <summary>
/// Three TcpChat nodes on a 3-server NATS cluster, the stream and buckets kept in 3 replicas: killing the server that
/// leads the stream, mid-chat, loses no message anyone received, duplicates none, and stalls chat for the engine's
/// election (measured, and printed in the test's output).
/// </summary>
public sealed class ClusterReplicationTests(ITestOutputHelper output)
{
    /// <summary>One frame as a client received it, and when (ms since the test's clock started).</summary>
    private sealed record Arrival(double AtMs, Received Frame);

    [Fact]
    public async Task KillingTheStreamLeaderLosesAndDuplicatesNoDeliveredMessage()
    {
        var servers = await NatsServer.StartClusterAsync(3);
        var nodes = new List<ServerProcess>();
        var users = new List<TestClient>();
        try
        {
            string urls = string.Join(',', servers.Select(s => s.Url));
            foreach (string name in new[] { "a", "b", "c" })
                nodes.Add(await StartAsync(urls, name, "--cluster-replicas", "3"));
            string[] nicks = ["João", "美咲", "bob"];
            for (int i = 0; i < 3; i++)
            {
                users.Add(await UserAsync(nodes[i], nicks[i]));
                users[i].Send("JOIN #chaos\n");
                await users[i].ExpectAsync("HISTORY #chaos");
            }
            await users[0].ExpectAsync("JOIN #chaos bob");
            await users[1].ExpectAsync("JOIN #chaos bob");

            var clock = Stopwatch.StartNew();
            var arrivals = users.Select(_ => new List<Arrival>()).ToArray();
            var collectors = users.Select((user, i) => Task.Run(async () =>
            {
                while (true)
                {
                    var frame = await user.NextAsync(TimeSpan.FromSeconds(90));
                    lock (arrivals[i]) arrivals[i].Add(new Arrival(clock.Elapsed.TotalMilliseconds, frame));
                    if (frame.Verb == Verb.Msg && frame.Text!.StartsWith("end ", StringComparison.Ordinal)) return;
                }
            })).ToArray();

            // Each user sends a numbered message every 20 ms; the leader is killed while they do.
            double killAt = 0;
            var sent = new int[3];
            var senders = users.Select((user, i) => Task.Run(async () =>
            {
                while (killAt == 0 || clock.Elapsed.TotalMilliseconds < killAt + 6000)
                {
                    user.Send($"SEND #chaos :{nicks[i]} {sent[i]++}\n");
                    await Task.Delay(20); // the pace of the load, not a synchronisation
                }
            })).ToArray();
            // The leader is killed once chat flows: every member has had messages from every sender.
            for (var flowing = Stopwatch.StartNew(); ; await Task.Delay(50)) // a poll with a deadline
            {
                bool all = Enumerable.Range(0, 3).All(i =>
                {
                    lock (arrivals[i]) return nicks.All(n => arrivals[i].Count(a => a.Frame.Verb == Verb.Msg && a.Frame.Arg(1) == n) >= 10);
                });
                if (all) break;
                Assert.True(flowing.Elapsed < TimeSpan.FromSeconds(60), "chat never flowed to every member");
            }
            string leader = await StreamLeaderAsync(servers);
            killAt = clock.Elapsed.TotalMilliseconds;
            var killedAt = DateTime.Now; // the engine's log is in local time
            servers.Single(s => s.Name == leader).Kill();
            await Task.WhenAll(senders);

            // Every SEND is answered: its echo (stored and delivered) or ERR UNAVAILABLE: "not sent" (delivered to nobody)
            // or "not confirmed" (no answer from the engine in time: it may still be delivered, once).
            for (var wait = Stopwatch.StartNew(); ; await Task.Delay(50))
            {
                bool answered = Enumerable.Range(0, 3).All(i => Answers(arrivals[i], nicks[i]) >= sent[i]);
                if (answered) break;
                Assert.True(wait.Elapsed < TimeSpan.FromSeconds(90),
                    $"unanswered: sent {string.Join(',', sent)}, answered {string.Join(',', Enumerable.Range(0, 3).Select(i => Answers(arrivals[i], nicks[i])))}");
            }
            // A last message: the stream orders it after everything stored before, so once each user has it, they have all.
            // The engine may still refuse it (ERR UNAVAILABLE) while it settles after the election: then it is sent
            // again, numbered, so that a refused one that was stored all the same is not taken for a duplicate.
            // (Every earlier SEND was answered above, so an ERR UNAVAILABLE that comes after an "end" is that end's.)
            int ends = 0, refusalsAtLastEnd = 0;
            for (var wait = Stopwatch.StartNew(); ; await Task.Delay(50))
            {
                int refusals;
                lock (arrivals[0])
                {
                    if (arrivals[0].Any(a => a.Frame.Verb == Verb.Msg && a.Frame.Text!.StartsWith("end ", StringComparison.Ordinal))) break;
                    refusals = arrivals[0].Count(a => a.Frame.ToString().StartsWith("ERR UNAVAILABLE SEND", StringComparison.Ordinal));
                }
                if (ends == 0 || refusals > refusalsAtLastEnd)
                {
                    refusalsAtLastEnd = refusals;
                    users[0].Send($"SEND #chaos :end {++ends}\n");
                }
                Assert.True(wait.Elapsed < TimeSpan.FromSeconds(90), $"the last message was refused {ends} times");
            }
            try
            {
                await Task.WhenAll(collectors).WaitAsync(TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException)
            {
                var state = Enumerable.Range(0, 3).Select(i =>
                {
                    lock (arrivals[i]) return $"{nicks[i]} (node {"abc"[i]}): {arrivals[i].Count} frames, last: {string.Join(" | ", arrivals[i].TakeLast(3).Select(a => a.Frame.ToString()))}";
                });
                var logs = nodes.Select((node, i) => $"node {"abc"[i]} log (warnings):\n" + string.Join('\n', node.Log.Split('\n').Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).TakeLast(30)));
                Assert.Fail($"the last message did not reach every member in 90 s:\n{string.Join('\n', state)}\n{string.Join('\n', logs)}");
            }

            var seen = arrivals.Select(list => list.Where(a => a.Frame.Verb == Verb.Msg).Select(a => $"{a.Frame.Arg(2)} {a.Frame.Arg(1)} {a.Frame.Text}").ToList()).ToArray();
            foreach (var list in seen)
            {
                Assert.Equal(list.Count, list.Distinct().Count()); // no duplicate
                Assert.Equal(list.Count, list.Select(m => m.Split(' ', 2)[1]).Distinct().Count()); // not even under another id
            }
            Assert.Equal(seen[0], seen[1]); // nothing lost for anyone, one order
            Assert.Equal(seen[0], seen[2]);
            var ids = seen[0].Select(m => long.Parse(m.Split(' ')[0])).ToList();
            Assert.Equal(ids.Order(), ids);

            // Stored for good: the history, read back from a node, holds every message delivered.
            var history = await ReadAllHistoryAsync(users[1], "#chaos");
            Assert.Equal(seen[0], history.TakeLast(seen[0].Count));

            var times = arrivals[0].Where(a => a.Frame.Verb == Verb.Msg && a.AtMs > killAt - 1000).Select(a => a.AtMs).ToList();
            double stall = times.Zip(times.Skip(1), (x, y) => y - x).DefaultIfEmpty(0).Max();
            int refused = Enumerable.Range(0, 3).Sum(i => arrivals[i].Count(a => a.Frame.ToString().StartsWith("ERR UNAVAILABLE SEND", StringComparison.Ordinal)));
            output.WriteLine(FormattableString.Invariant(
                $"leader {leader} killed at {killAt / 1000:0.0} s; election (the survivors' log): {ElectionMs(servers, leader, killedAt):0} ms; longest gap between two messages at one member: {stall:0} ms; sent {sent.Sum()}, delivered {seen[0].Count - 1}, refused with ERR UNAVAILABLE {refused}"));
            foreach (var server in servers.Where(s => s.Name != leader))
                output.WriteLine($"engine {server.Name} after the kill: " + string.Join(" | ", server.Log.Split('\n')
                    .Where(l => l.Contains("leader", StringComparison.OrdinalIgnoreCase)).TakeLast(8)));
            foreach (var (node, i) in nodes.Select((n, i) => (n, i)))
                output.WriteLine($"node {"abc"[i]} warnings: " + string.Join(" | ", node.Log.Split('\n').Where(l => l.Contains("warn", StringComparison.Ordinal))));
            Assert.True(stall < 30_000, $"chat stalled {stall:0} ms");
        }
        finally
        {
            foreach (var user in users) await user.DisposeAsync();
            foreach (var node in nodes) await node.DisposeAsync();
            foreach (var server in servers) await server.DisposeAsync();
        }
    }

    private static int Answers(List<Arrival> arrivals, string nick)
    {
        lock (arrivals)
            return arrivals.Count(a => (a.Frame.Verb == Verb.Msg && a.Frame.Arg(1) == nick) || a.Frame.ToString().StartsWith("ERR UNAVAILABLE SEND", StringComparison.Ordinal));
    }

    /// <summary>
    /// From the kill to the first survivor's log line "new stream leader for '$G > TCPCHAT'" (its clock, microseconds),
    /// or -1 when no survivor logged one.
    /// </summary>
    private static double ElectionMs(NatsServer[] servers, string killed, DateTime killedAt)
    {
        var elected = servers.Where(s => s.Name != killed)
            .SelectMany(s => s.Log.Split('\n'))
            .Where(line => line.Contains("new stream leader for '$G > TCPCHAT'", StringComparison.Ordinal))
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6}"))
            .Where(m => m.Success)
            .Select(m => DateTime.ParseExact(m.Value, "yyyy/MM/dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture))
            .Where(t => t > killedAt)
            .ToList();
        return elected.Count == 0 ? -1 : (elected.Min() - killedAt).TotalMilliseconds;
    }

    /// <summary>The name of the server that leads the stream now, asked of any live server.</summary>
    private static async Task<string> StreamLeaderAsync(NatsServer[] servers)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = servers[0].Url });
        var js = new NatsJSContext(connection);
        var stream = await js.GetStreamAsync("TCPCHAT");
        return stream.Info.Cluster?.Leader ?? throw new InvalidOperationException("the stream has no leader");
    }

    /// <summary>Pages HISTORY backwards to the start; "id sender text", oldest first.</summary>
    private static async Task<List<string>> ReadAllHistoryAsync(TestClient client, string room)
    {
        var all = new List<string>();
        long before = long.MaxValue;
        while (true)
        {
            client.Send(before == long.MaxValue ? $"HISTORY {room}\n" : $"HISTORY {room} before={before}\n");
            var header = await client.ExpectAsync($"HISTORY {room}");
            int count = int.Parse(header.Arg(1));
            if (count == 0) return all;
            var page = new List<string>();
            for (int i = 0; i < count; i++)
            {
                var msg = await client.ExpectAsync("MSG");
                page.Add($"{msg.Arg(2)} {msg.Arg(1)} {msg.Text}");
            }
            all.InsertRange(0, page);
            before = long.Parse(page[0].Split(' ')[0]);
        }
    }
}
