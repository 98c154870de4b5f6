using System.Diagnostics;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.History;

/// <summary>
/// History on disk, with the real server binary: restarts, SIGKILL in the middle of a stream, databases that must not
/// be used. Each test has its own data directory.
/// </summary>
public sealed class HistoryPersistenceTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("tcpchat-history-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private string Database => Path.Combine(_data, "tcpchat.db");

    [Fact]
    public async Task RestartKeepsHistoryAndIdsCarryOn()
    {
        await using (var server = await ServerProcess.StartAsync("--data-dir", _data))
        {
            var (alice, _) = await HistoryKit.RegisterAsync(server.Port, "alice");
            var (bob, _) = await HistoryKit.RegisterAsync(server.Port, "bob");
            await alice.SayAsync("#lobby", "one", "two");
            await alice.SayAsync("bob", "psst");
            await bob.SayAsync("alice", "yes?");
            server.Signal(15);
            Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            await alice.DisposeAsync();
            await bob.DisposeAsync();
        }

        await using var again = await ServerProcess.StartAsync("--data-dir", _data);
        var (bob2, lobby) = await HistoryKit.RegisterAsync(again.Port, "bob");
        await using var _b = bob2;
        Assert.Equal(["MSG #lobby alice 1 :one", "MSG #lobby alice 2 :two"], lobby.Select(Short));
        Assert.Equal(["MSG bob alice 1 :psst", "MSG alice bob 2 :yes?"], (await bob2.HistoryAsync("HISTORY alice", "alice")).Select(Short));

        var (alice2, _) = await HistoryKit.RegisterAsync(again.Port, "alice");
        await using var _a = alice2;
        alice2.Send("SEND #lobby :three\nSEND bob :again\n");
        Assert.Equal("MSG #lobby alice 3 :three", Short(await bob2.ExpectAsync("MSG #lobby")));
        Assert.Equal("MSG bob alice 3 :again", Short(await bob2.ExpectAsync("MSG bob")));
    }

    [Fact]
    public async Task EveryMessageAnyoneReceivedSurvivesSigkillMidStream()
    {
        const int senders = 20, window = 50, atMost = 20_000, killAt = 5000;
        await using var server = await ServerProcess.StartAsync("--data-dir", _data); // disposed below too: killed whatever happens
        var clients = new List<TestClient>();
        for (int i = 0; i < senders; i++) clients.Add((await HistoryKit.RegisterAsync(server.Port, $"s{i}")).Client);
        await clients[0].ExpectAsync($"JOIN #lobby s{senders - 1}");

        // Every sender sends as fast as the server takes it (at most `window` messages ahead of its echoes), until the
        // server is killed, once `killAt` echoes have come back in all.
        using var killed = new CancellationTokenSource();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int echoed = 0;
        var sending = clients.Select((c, i) => Task.Run(async () =>
        {
            int sent = 0, acked = 0;
            try
            {
                while (sent < atMost && !killed.IsCancellationRequested)
                {
                    while (sent - acked < window && sent < atMost) c.Send($"SEND #lobby :s{i}-{sent++}\n");
                    string next = $"s{i}-{acked}";
                    await c.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == next, next);
                    acked++;
                    if (Interlocked.Increment(ref echoed) == killAt) reached.TrySetResult();
                }
            }
            catch (Xunit.Sdk.XunitException) when (killed.IsCancellationRequested) { } // the connection closed
            return sent;
        })).ToArray();
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        killed.Cancel();
        server.Signal(9);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.All(await Task.WhenAll(sending), sent => Assert.True(sent < atMost, "a sender was done before the kill"));

        // What each client received before the kill: the messages of others, and its own echoes.
        var received = new Dictionary<long, string>();
        int echoes = 0;
        for (int i = 0; i < senders; i++)
        {
            var frames = clients[i].Seen.Concat(await clients[i].ExpectClosedAsync()).Where(f => f.Verb == Verb.Msg);
            foreach (var msg in frames)
            {
                Assert.True(received.TryAdd(msg.Id(), msg.Text!) || received[msg.Id()] == msg.Text, $"two texts for id {msg.Id()}");
                if (msg.Arg(1) == $"s{i}") echoes++;
            }
            await clients[i].DisposeAsync();
        }
        await server.DisposeAsync();
        Assert.True(echoes >= killAt, $"only {echoes} echoes");

        await using var again = await ServerProcess.StartAsync("--data-dir", _data);
        var (reader, _) = await HistoryKit.RegisterAsync(again.Port, "reader");
        await using var _r = reader;
        var history = new List<Received>();
        for (long before = long.MaxValue; ;)
        {
            var page = await reader.HistoryAsync($"HISTORY #lobby before={before}", "#lobby");
            if (page.Count == 0) break;
            history.InsertRange(0, page);
            before = page[0].Id();
        }
        var ids = history.Ids().ToList();
        Assert.Equal(ids.Order(), ids); // increasing
        Assert.Equal(ids.Count, ids.Distinct().Count()); // unique
        Assert.Equal(history.Count, history.Texts().Distinct().Count()); // no message twice
        var stored = history.ToDictionary(Id, f => f.Text);
        foreach (var (id, text) in received)
            Assert.True(stored.TryGetValue(id, out var kept) && kept == text,
                $"message {id} '{text}' was received but is not in the history ({history.Count} messages, ids {ids.FirstOrDefault()} to {ids.LastOrDefault()}; {received.Count} received, ids {received.Keys.Min()} to {received.Keys.Max()})");
        // Each sender's messages are in the order it sent them.
        foreach (var mine in history.GroupBy(f => f.Arg(1)))
            Assert.Equal(Enumerable.Range(0, mine.Count()).Select(k => $"{mine.Key}-{k}"), mine.Texts());

        reader.Send("SEND #lobby :after the crash\n");
        Assert.True((await reader.ExpectAsync("MSG #lobby reader")).Id() > ids.DefaultIfEmpty(0).Max());
    }

    private static long Id(Received f) => f.Id();

    [Fact]
    public async Task DatabaseThatIsNotADatabaseIsRefusedAndLeftAlone()
    {
        byte[] garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        File.WriteAllBytes(Database, garbage);

        var (code, output) = await RunServerAsync("--data-dir", _data);
        Assert.Equal(1, code);
        Assert.Equal($"tcpchat-server: history database {Database} is not a SQLite database (SQLite Error 26: 'file is not a database'); the server will not start over it",
            output.Trim());
        Assert.Equal(garbage, File.ReadAllBytes(Database));
    }

    [Fact]
    public async Task DataDirectoryThatCannotBeCreatedIsRefused()
    {
        string file = Path.Combine(_data, "a-file");
        File.WriteAllText(file, "not a directory");
        var (code, output) = await RunServerAsync("--data-dir", Path.Combine(file, "data"));
        Assert.Equal(1, code);
        Assert.StartsWith($"tcpchat-server: cannot create the data directory {Path.Combine(file, "data")}: ", output.Trim());
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public async Task DatabasePathThatIsADirectoryIsRefused()
    {
        Directory.CreateDirectory(Database);
        var (code, output) = await RunServerAsync("--data-dir", _data);
        Assert.Equal(1, code);
        Assert.Equal($"tcpchat-server: history database {Database} is a directory, not a file", output.Trim());
    }

    [Fact]
    public async Task SecondServerOnTheSameDataDirectoryIsRefused()
    {
        await using var first = await ServerProcess.StartAsync("--data-dir", _data);
        var (code, output) = await RunServerAsync("--data-dir", _data);
        Assert.Equal(1, code);
        Assert.Contains($"history database {Database} is locked: is another server using this data directory?", output);
    }

    [Fact]
    public async Task DatabaseOfANewerSchemaIsRefused()
    {
        await using (var server = await ServerProcess.StartAsync("--data-dir", _data))
        {
            server.Signal(15);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE schema_version SET version = 99";
            cmd.ExecuteNonQuery();
        }
        var (code, output) = await RunServerAsync("--data-dir", _data);
        Assert.Equal(1, code);
        Assert.Contains("has schema version 99, newer than this server's 2", output);
    }

    [Fact]
    public async Task DataDirectoryDefaultsToTheStateDirectorySystemdGives()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["STATE_DIRECTORY"] = _data }, "--data-dir", "");
        await server.WaitForLogAsync($"Message history in {Database}");
        Assert.True(File.Exists(Database));
    }

    [Fact]
    public async Task NoHistoryServerWritesNoDatabase()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["STATE_DIRECTORY"] = _data }, "--no-history");
        var (alice, _) = await HistoryKit.RegisterAsync(server.Port, "alice");
        await using var _a = alice;
        await alice.SayAsync("#lobby", "kept in memory");
        Assert.Equal(["kept in memory"], (await alice.HistoryAsync("HISTORY #lobby", "#lobby")).Texts());
        await server.WaitForLogAsync("Message history in memory");
        Assert.Empty(Directory.GetFileSystemEntries(_data));
    }

    [Theory]
    [InlineData("--history-max-page", "0", "History:MaxPage must be 1-10000 (got 0)")]
    [InlineData("--history-on-join", "101", "History:OnJoin must be 0-100 (History:MaxPage) (got 101)")]
    [InlineData("--history-max-age-days", "0", "History:MaxAgeDays must be 1-36500 (got 0)")]
    [InlineData("--history-max-per-target", "0", "History:MaxPerTarget must be 1-1000000000 (got 0)")]
    [InlineData("--history-prune-interval", "0", "History:PruneIntervalSeconds must be 1-86400 (got 0)")]
    public async Task BadHistorySettingIsOneClearLineAndExitCodeTwo(string flag, string value, string expected)
    {
        var (code, output) = await RunServerAsync("--data-dir", _data, flag, value);
        Assert.Equal(2, code);
        Assert.Equal($"tcpchat-server: bad setting: {expected}", output.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(_data)); // settings are checked before the database is touched
    }

    private static string Short(Received f) => $"MSG {f.Arg(0)} {f.Arg(1)} {f.Arg(2)} :{f.Text}";

    /// <summary>Runs the server binary to its end; killed (with its children) if it has not ended within 60 s.</summary>
    private static async Task<(int Code, string Output)> RunServerAsync(params string[] args)
    {
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll"), "--port", "0", "--bind", "127.0.0.1", .. args],
            TimeSpan.FromSeconds(60));
        return (code, stdout + stderr);
    }
}
