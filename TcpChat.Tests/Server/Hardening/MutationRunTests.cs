using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// Valid sessions, damaged at random (<see cref="Mutator"/>), thrown at the live server on fresh connections, some in
/// many small writes, each ended by draining, closing or resetting. Meanwhile two witnesses chat in a room of their
/// own. The server must stay up, answer only well-formed frames, deliver every witness message in order, and come back
/// to where it started: two connections, and about the memory it had.
/// <c>TCPCHAT_MUTATION_SEED</c> and <c>TCPCHAT_MUTATION_CASES</c> change the seed (<c>random</c> for a new one, shown in
/// the output) and the number of cases.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class MutationRunTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 1121;
    private const int DefaultCases = 10_000;
    private const int Concurrency = 8;
    private const int CasesPerWitnessRound = 10;
    private const long MemoryAllowance = 50L * 1024 * 1024;

    private static int Seed => Environment.GetEnvironmentVariable("TCPCHAT_MUTATION_SEED") switch
    {
        "random" => Random.Shared.Next(),
        string s when int.TryParse(s, out int seed) => seed,
        _ => DefaultSeed,
    };

    private static int CaseCount =>
        int.TryParse(Environment.GetEnvironmentVariable("TCPCHAT_MUTATION_CASES"), out int n) && n > 0 ? n : DefaultCases;

    [Fact]
    public async Task MutatedSessionsNeitherStopTheServerNorDisturbOthersNorLeaveMemoryBehind()
    {
        int seed = Seed, count = CaseCount;
        output.WriteLine($"seed {seed}, {count} cases, {Concurrency} at a time");
        await using var server = await InProcessServer.StartAsync();
        var hub = server.Hub();
        await using var a = await server.RegisterAsync("witness1");
        await using var b = await server.RegisterAsync("witness2");
        a.AutoPong = b.AutoPong = true;
        // The witnesses leave the lobby, where every mutant comes and goes: what they keep of it would be counted as
        // the server's memory. They still get the mutants' private messages.
        foreach (var w in new[] { a, b })
        {
            w.Send("JOIN #witness\nPART #lobby\n");
            await w.ExpectAsync("PART #lobby");
        }
        await a.ExpectAsync("JOIN #witness witness2");
        var witnesses = new Witnesses(a, b);

        // Warm up (JIT, pools, the database), then measure.
        var warmUp = await RunCasesAsync(server.Port, Mutator.Cases(100, seed + 1), witnesses);
        await witnesses.RoundAsync();
        await WaitForWitnessesOnlyAsync(hub);
        long before = ServerInsight.LiveManagedBytes();

        var clock = Stopwatch.StartNew();
        var run = await RunCasesAsync(server.Port, Mutator.Cases(count, seed), witnesses);
        var elapsed = clock.Elapsed;
        output.WriteLine($"{run.Cases} cases in {elapsed.TotalSeconds:0.0} s ({warmUp.Cases} more to warm up): {run}");
        Assert.Empty(run.Problems);

        await WaitForWitnessesOnlyAsync(hub);
        await witnesses.RoundAsync();
        witnesses.AssertSameOrderForBoth();
        witnesses.AssertNothingBadReachedThem();

        // The server still accepts, registers and chats.
        await using (var late = await server.RegisterAsync("latecomer"))
        {
            late.Send("JOIN #witness\nSEND #witness :still up\n");
            foreach (var w in new[] { a, b, late })
                Assert.Equal("still up", (await w.ExpectAsync(f => f.Verb == Verb.Msg && f.Sender() == "latecomer", "latecomer's message")).Text);
            late.Send("QUIT\n");
            await late.ExpectClosedAsync();
        }
        await WaitForWitnessesOnlyAsync(hub);
        long after = ServerInsight.LiveManagedBytes();

        output.WriteLine($"witnesses: {witnesses.Rounds} rounds, {witnesses.Messages} messages each, all in order");
        output.WriteLine($"managed memory: {ServerInsight.Megabytes(before)} before, {ServerInsight.Megabytes(after)} after " +
            $"({ServerInsight.Megabytes(after - before)} more; allowed {ServerInsight.Megabytes(MemoryAllowance)})");
        Assert.True(after - before < MemoryAllowance,
            $"managed memory grew from {ServerInsight.Megabytes(before)} to {ServerInsight.Megabytes(after)}");
    }

    private static Task WaitForWitnessesOnlyAsync(TcpChat.Server.Chat.ChatHub hub) =>
        ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 2, "the connection count to come back to the 2 witnesses",
            () => $"{hub.ConnectionCount} connections: " + string.Join(", ", hub.Sessions.Take(20).Select(s => $"#{s.Id} {s.Nick ?? "(no nick)"}")));

    /// <summary>What a run of cases came to.</summary>
    private sealed class RunTally
    {
        public int Cases;
        public int Chunked;
        public readonly ConcurrentDictionary<Ending, int> Endings = new();
        public int ServerReset;
        public readonly ConcurrentDictionary<string, int> Errors = new();
        public readonly ConcurrentQueue<string> Problems = new();

        public override string ToString() =>
            $"{Chunked} sent in small writes; endings {string.Join(", ", Endings.OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value}"))}; " +
            $"{ServerReset} drains cut by a reset; ERR codes seen: {string.Join(", ", Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value}"))}";
    }

    private async Task<RunTally> RunCasesAsync(int port, List<MutationCase> cases, Witnesses witnesses)
    {
        var tally = new RunTally();
        int done = 0;
        using var finished = new CancellationTokenSource();
        // One witness round per few cases: the witnesses talk all along the run, at a pace set by it.
        var pacer = new SemaphoreSlim(0);
        var chat = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await pacer.WaitAsync(finished.Token);
                    await witnesses.RoundAsync();
                }
            }
            catch (OperationCanceledException) { }
        });
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (c, _) =>
        {
            await RunCaseAsync(port, c, tally);
            if (Interlocked.Increment(ref done) % CasesPerWitnessRound == 0) pacer.Release();
            if (chat.IsFaulted) throw new InvalidOperationException("the witnesses failed", chat.Exception);
        });
        finished.Cancel();
        await chat; // a witness failure surfaces here
        tally.Cases = cases.Count;
        return tally;
    }

    private static async Task RunCaseAsync(int port, MutationCase c, RunTally tally)
    {
        tally.Endings.AddOrUpdate(c.Ending, 1, (_, n) => n + 1);
        if (c.Writes.Length > 1) Interlocked.Increment(ref tally.Chunked);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        int at = 0;
        try
        {
            foreach (int size in c.Writes)
            {
                await socket.SendAsync(c.Bytes.AsMemory(at, size), SocketFlags.None);
                at += size;
            }
        }
        catch (SocketException) { } // the server closed first (a fatal error, QUIT): what it sent says why

        if (c.Ending == Ending.Reset) socket.LingerState = new LingerOption(true, 0);
        if (c.Ending != Ending.Drain)
        {
            socket.Close();
            return;
        }
        try { socket.Shutdown(SocketShutdown.Send); }
        catch (SocketException) { }

        var received = new ArrayBufferWriter<byte>();
        bool reset = false;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(received.GetMemory(4096), SocketFlags.None, deadline.Token);
                if (n == 0) break;
                received.Advance(n);
            }
        }
        catch (SocketException) { reset = true; } // the server closed with bytes of ours unread: a reset, not a bug
        catch (OperationCanceledException)
        {
            tally.Problems.Enqueue($"the server kept the connection open 30 s after the client ended its stream: {c}");
            return;
        }
        if (reset) Interlocked.Increment(ref tally.ServerReset);
        CheckWellFormed(received.WrittenMemory, reset, c, tally);
    }

    /// <summary>Whatever came in, what the server wrote is HELLO and then well-formed frames with known ERR codes.</summary>
    private static void CheckWellFormed(ReadOnlyMemory<byte> bytes, bool reset, MutationCase c, RunTally tally)
    {
        var parser = new FrameParser(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);
        var input = new ReadOnlySequence<byte>(bytes);
        bool first = true;
        while (true)
        {
            var status = parser.TryParse(input, out var consumed, out _, out var frame, out var error);
            if (status == ParseStatus.NeedMoreData)
            {
                if (!reset && input.Slice(consumed).Length > 0)
                    tally.Problems.Enqueue($"the server's output ends in the middle of a frame: {c}");
                return;
            }
            if (status != ParseStatus.Frame)
            {
                tally.Problems.Enqueue($"the server wrote a bad frame ({error.Code} {error.Message}): {c}");
                return;
            }
            if (first && frame.Verb != Verb.Hello) tally.Problems.Enqueue($"the server's first frame is {frame.Verb}, not HELLO: {c}");
            first = false;
            if (frame.Verb == Verb.Err)
            {
                if (!ErrorCodes.TryParse(frame.Arg(0), out _)) tally.Problems.Enqueue($"unknown ERR code {frame.Arg(0)}: {c}");
                if (frame.TextAsString() == "internal error") tally.Problems.Enqueue($"the server failed inside (ERR ... internal error): {c}");
                tally.Errors.AddOrUpdate(frame.Arg(0), 1, (_, n) => n + 1);
            }
            input = input.Slice(consumed);
        }
    }

    /// <summary>
    /// Two clients in <c>#witness</c>. Each round both send one message (inline and length form) and both must receive
    /// both, before the next round; at the end they must have seen the same messages with the same ids.
    /// </summary>
    private sealed class Witnesses(TestClient a, TestClient b)
    {
        private readonly List<string> _seenByA = [], _seenByB = [];
        private readonly SemaphoreSlim _one = new(1, 1);

        public int Rounds { get; private set; }

        public int Messages => _seenByA.Count;

        public async Task RoundAsync()
        {
            await _one.WaitAsync();
            try
            {
                int round = ++Rounds;
                string fromA = $"a says {round}", fromB = $"b says {round}\nover two lines";
                a.Send($"SEND #witness :{fromA}\n");
                b.Send($"SEND #witness {System.Text.Encoding.UTF8.GetByteCount(fromB)}\n{fromB}\n");
                foreach (var (w, seen) in new[] { (a, _seenByA), (b, _seenByB) })
                {
                    var got = new List<Received>();
                    for (int i = 0; i < 2; i++)
                        got.Add(await w.ExpectAsync(f => f.Verb == Verb.Msg && f.Arg(0) == "#witness", $"round {round} in #witness"));
                    Assert.Equal([fromA, fromB], got.Select(m => m.Text!).Order(StringComparer.Ordinal));
                    seen.AddRange(got.Select(m => $"{m.Arg(2)} {m.Sender()} {m.Text}"));
                }
            }
            finally { _one.Release(); }
        }

        /// <summary>
        /// Whatever the mutants sent, what reached the witnesses (their messages, joins, parts, quits, private
        /// messages) holds no control character but LF and TAB, and tells of no failure inside the server.
        /// </summary>
        public void AssertNothingBadReachedThem()
        {
            foreach (var w in new[] { a, b })
                foreach (var frame in w.Seen)
                {
                    Assert.False(frame.Text is { } text && text.Any(c => char.IsControl(c) && c is not '\n' and not '\t'),
                        $"a control character reached a witness: {Tests.Protocol.Sequences.Show(frame.ToString())}");
                    Assert.False(frame.Text == "internal error", $"a witness was told of an internal error: {frame}");
                }
        }

        public void AssertSameOrderForBoth()
        {
            Assert.Equal(_seenByA, _seenByB);
            var ids = _seenByA.Select(s => long.Parse(s.Split(' ')[0])).ToList();
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(ids.Count, ids.Distinct().Count());
        }
    }
}

internal static class ReceivedExtensions
{
    /// <summary>The sender of a <c>MSG &lt;target&gt; &lt;sender&gt; &lt;id&gt; &lt;time&gt;</c>.</summary>
    public static string Sender(this Received msg) => msg.Arg(1);
}
