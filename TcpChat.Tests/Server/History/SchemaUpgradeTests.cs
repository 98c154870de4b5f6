using Microsoft.Data.Sqlite;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.History;

/// <summary>
/// A database written by an older server (schema version 1: messages, no accounts) is upgraded in place at start: its
/// history is kept, its ids carry on, and what the new version adds (accounts) works.
/// </summary>
public sealed class SchemaUpgradeTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("tcpchat-schema-").FullName;

    private string Database => Path.Combine(_data, "tcpchat.db");

    public void Dispose() => Directory.Delete(_data, recursive: true);

    /// <summary>Schema version 1 as the first server that kept history shipped it, with one message of #lobby.</summary>
    private void WriteVersionOneDatabase()
    {
        using var db = new SqliteConnection($"Data Source={Database};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE schema_version (version INTEGER NOT NULL);
            INSERT INTO schema_version (version) VALUES (1);
            CREATE TABLE messages (
                seq INTEGER PRIMARY KEY,
                target_key TEXT NOT NULL,
                id INTEGER NOT NULL,
                target TEXT NOT NULL,
                sender TEXT NOT NULL,
                unix_ms INTEGER NOT NULL,
                text BLOB NOT NULL
            );
            CREATE UNIQUE INDEX messages_by_target ON messages (target_key, id);
            CREATE INDEX messages_by_time ON messages (unix_ms);
            CREATE TABLE last_ids (counter TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO messages (target_key, id, target, sender, unix_ms, text)
                VALUES ('#lobby', 41, '#lobby', 'João', 1795000000000, CAST('olá de antes' AS BLOB));
            INSERT INTO last_ids (counter, id) VALUES ('#lobby', 41);
            """;
        cmd.ExecuteNonQuery();
    }

    private long SchemaVersion()
    {
        using var db = new SqliteConnection($"Data Source={Database};Pooling=False;Mode=ReadOnly");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_version";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task OlderSchemaIsUpgradedKeepingItsHistory()
    {
        WriteVersionOneDatabase();
        await using (var server = await ServerProcess.StartAsync("--data-dir", _data))
        {
            var (alice, lobby) = await HistoryKit.RegisterAsync(server.Port, "alice");
            await using var _a = alice;
            Assert.Equal(["MSG #lobby João 41 2026-11-18T11:06:40.000Z :olá de antes"], lobby.Select(m => m.ToString()));

            await alice.SayAsync("#lobby", "e agora");
            Assert.Equal(42, alice.Seen.Last(m => m.Text == "e agora").Id()); // ids carry on
            alice.Send("REGISTER a-long-password\n"); // the accounts table, new in version 2
            await alice.ExpectAsync("REGISTER alice");
            server.Signal(15);
            Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        Assert.Equal(2, SchemaVersion());

        await using var again = await ServerProcess.StartAsync("--data-dir", _data);
        await using var bob = await TestClient.ConnectAsync(again.Port);
        bob.Send("NICK alice\n");
        Assert.StartsWith("ERR NICK_REGISTERED NICK", (await bob.ExpectAsync("ERR")).ToString());
    }
}
