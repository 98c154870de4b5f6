using Microsoft.Data.Sqlite;

namespace TcpChat.Server.History;

/// <summary>
/// Message history in one SQLite file (<c>tcpchat.db</c> in the data directory), through one connection owned by
/// <see cref="MessageLog"/>'s loop. WAL journal with <c>synchronous=FULL</c>: a commit is on disk (fsync) when
/// <see cref="Append"/> returns, which is what lets the server promise that a message is stored before anyone
/// receives it, across a power cut as well as a kill; the loop commits many messages at once, so that costs one
/// sync per batch. <c>locking_mode=EXCLUSIVE</c>: one server per data directory; a second one is refused at start.
/// The schema is created and migrated at start (table <c>schema_version</c>); nothing needs setting up.
/// </summary>
public sealed partial class SqliteMessageStore : IMessageStore
{
    /// <summary>Migration i takes the schema from version i to i + 1. Append only; never edit a shipped one.</summary>
    private static readonly string[] Migrations =
    [
        """
        -- target_key: a room's key (#rust), or a private conversation: the two nick keys in ordinal order ("alice bob").
        -- target: as MSG writes it (the room as spelled, or the recipient's nick); unix_ms: the MSG time; text: the bytes.
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
        -- The last id each counter gave out (a room's key, or * for private messages). Never pruned: ids carry on.
        CREATE TABLE last_ids (counter TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
        """,
        AccountsMigration,
    ];

    private readonly SqliteConnection _db;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _saveLastId;
    private readonly SqliteCommand _read;
    private readonly Dictionary<string, long> _batchLastIds = new();
    private HashSet<string> _grown = new(); // targets appended to since the last prune by count
    private bool _checkEveryTarget = true; // the first prune looks at every target: the limit may have changed

    private SqliteMessageStore(SqliteConnection db, string file)
    {
        _db = db;
        Description = file;
        _insert = Command("INSERT INTO messages (target_key, id, target, sender, unix_ms, text) VALUES ($k, $id, $t, $s, $ms, $text)",
            "$k", "$id", "$t", "$s", "$ms", "$text");
        _saveLastId = Command("INSERT INTO last_ids (counter, id) VALUES ($c, $id) ON CONFLICT (counter) DO UPDATE SET id = max(id, excluded.id)",
            "$c", "$id");
        _read = Command("SELECT id, target, sender, unix_ms, text FROM messages WHERE target_key = $k AND id < $before ORDER BY id DESC LIMIT $limit",
            "$k", "$before", "$limit");
    }

    public string Description { get; }

    /// <summary>
    /// Opens (creating it when missing) <c>tcpchat.db</c> in <paramref name="directory"/>, checks it and brings its schema
    /// up to date. Throws <see cref="HistoryStoreException"/>, naming the file, when it cannot: a file that is not a
    /// database, a damaged one, one written by a newer server, or one that cannot be written is never started over.
    /// </summary>
    /// <param name="maxPageCount">
    /// For tests: the most pages the file may grow to (SQLite's <c>max_page_count</c>), so that a full disk can be had
    /// without filling one: an append past it fails with SQLITE_FULL, as on a full disk.
    /// </param>
    public static SqliteMessageStore Open(string directory, int? maxPageCount = null)
    {
        string file = Path.Combine(directory, HistoryOptions.DatabaseFileName);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HistoryStoreException($"cannot create the data directory {directory}: {e.Message}", e);
        }
        if (Directory.Exists(file)) throw new HistoryStoreException($"history database {file} is a directory, not a file");

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 2, // seconds to wait for a lock: only ever held by another server on the same file
        }.ToString());
        try
        {
            connection.Open();
            // Exclusive before WAL: no shared-memory index, and no other process can use the file meanwhile.
            Execute(connection, "PRAGMA locking_mode = EXCLUSIVE");
            string? mode = Execute(connection, "PRAGMA journal_mode = WAL");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new HistoryStoreException($"history database {file}: cannot use a write-ahead log (journal mode {mode})");
            Execute(connection, "PRAGMA synchronous = FULL");
            string? check = Execute(connection, "PRAGMA quick_check");
            if (check != "ok") throw new HistoryStoreException($"history database {file} is damaged: {check}");
            Migrate(connection, file);
            if (maxPageCount is int pages) Execute(connection, $"PRAGMA max_page_count = {pages}");
            return new SqliteMessageStore(connection, file);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            string why = e.SqliteErrorCode switch
            {
                26 => "not a SQLite database", // SQLITE_NOTADB
                11 => "damaged", // SQLITE_CORRUPT
                5 or 6 => "locked: is another server using this data directory?", // SQLITE_BUSY, SQLITE_LOCKED
                8 => "read-only", // SQLITE_READONLY
                14 => "cannot be opened", // SQLITE_CANTOPEN
                _ => "unusable",
            };
            throw new HistoryStoreException($"history database {file} is {why} ({e.Message.TrimEnd('.')}); the server will not start over it", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Creates or upgrades the schema in one transaction; it also proves the file can be written.</summary>
    private static void Migrate(SqliteConnection db, string file)
    {
        using var tx = db.BeginTransaction(deferred: false);
        Execute(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", tx);
        string? current = Execute(db, "SELECT version FROM schema_version", tx);
        if (current is null) Execute(db, "INSERT INTO schema_version (version) VALUES (0)", tx);
        int version = current is null ? 0 : int.Parse(current, System.Globalization.CultureInfo.InvariantCulture);
        if (version > Migrations.Length)
        {
            throw new HistoryStoreException(
                $"history database {file} has schema version {version}, newer than this server's {Migrations.Length}: run a newer server");
        }
        for (int v = version; v < Migrations.Length; v++)
        {
            using var migrate = db.CreateCommand();
            migrate.CommandText = Migrations[v];
            migrate.Transaction = tx;
            migrate.ExecuteNonQuery(); // every statement of it
        }
        Execute(db, $"UPDATE schema_version SET version = {Migrations.Length}", tx);
        tx.Commit();
    }

    public long LastId(string counter)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT id FROM last_ids WHERE counter = $c";
        cmd.Parameters.AddWithValue("$c", counter);
        return cmd.ExecuteScalar() is long id ? id : 0;
    }

    public void Append(IReadOnlyList<StoredMessage> batch)
    {
        if (batch.Count == 0) return;
        using var tx = _db.BeginTransaction(deferred: false);
        _insert.Transaction = tx;
        _saveLastId.Transaction = tx;
        _batchLastIds.Clear();
        foreach (var m in batch)
        {
            var p = _insert.Parameters;
            p[0].Value = m.TargetKey;
            p[1].Value = m.Id;
            p[2].Value = m.Target;
            p[3].Value = m.Sender;
            p[4].Value = m.UnixMs;
            p[5].Value = m.Text;
            _insert.ExecuteNonQuery();
            string counter = m.CounterKey;
            _batchLastIds[counter] = Math.Max(m.Id, _batchLastIds.GetValueOrDefault(counter));
        }
        foreach (var (counter, id) in _batchLastIds)
        {
            _saveLastId.Parameters[0].Value = counter;
            _saveLastId.Parameters[1].Value = id;
            _saveLastId.ExecuteNonQuery();
        }
        tx.Commit();
        foreach (var m in batch) _grown.Add(m.TargetKey);
    }

    public IReadOnlyList<StoredMessage> Read(string targetKey, long beforeId, int limit)
    {
        _read.Transaction = null;
        _read.Parameters[0].Value = targetKey;
        _read.Parameters[1].Value = beforeId;
        _read.Parameters[2].Value = limit;
        var page = new List<StoredMessage>(Math.Min(limit, 256));
        using (var reader = _read.ExecuteReader())
        {
            while (reader.Read())
            {
                page.Add(new StoredMessage(targetKey, reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                    reader.GetInt64(3), (byte[])reader.GetValue(4)));
            }
        }
        page.Reverse();
        return page;
    }

    public int Prune(long olderThanUnixMs, int maxPerTarget, int maxRows)
    {
        using var tx = _db.BeginTransaction(deferred: false);
        int deleted = Execute(tx, "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE unix_ms < $p0 LIMIT $p1)",
            olderThanUnixMs, maxRows);

        // By count: only targets that grew since the last look can have passed the limit (every target, the first time).
        List<string> targets;
        if (_checkEveryTarget)
        {
            targets = new();
            using var cmd = Command("SELECT target_key FROM messages GROUP BY target_key HAVING count(*) > $p0", "$p0");
            cmd.Transaction = tx;
            cmd.Parameters[0].Value = maxPerTarget;
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) targets.Add(reader.GetString(0));
        }
        else
        {
            targets = _grown.ToList();
        }
        var later = new HashSet<string>();
        int i = 0;
        for (; i < targets.Count && deleted < maxRows; i++)
        {
            // Every message of the target up to the one just before its newest maxPerTarget, oldest first.
            deleted += Execute(tx,
                """
                DELETE FROM messages WHERE seq IN (
                    SELECT seq FROM messages WHERE target_key = $p0 AND id <= (
                        SELECT id FROM messages WHERE target_key = $p0 ORDER BY id DESC LIMIT 1 OFFSET $p1)
                    ORDER BY id LIMIT $p2)
                """,
                targets[i], maxPerTarget, maxRows - deleted);
        }
        // Out of rows for this step: the target cut short and the ones not reached are looked at next time.
        if (deleted >= maxRows) later.UnionWith(targets.Skip(Math.Max(0, i - 1)));
        tx.Commit();
        _grown = later;
        _checkEveryTarget = false;
        return deleted;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _saveLastId.Dispose();
        _read.Dispose();
        _db.Dispose();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (string name in parameters) cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        return cmd;
    }

    private int Execute(SqliteTransaction tx, string sql, params object[] values)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        for (int i = 0; i < values.Length; i++) cmd.Parameters.AddWithValue("$p" + i, values[i]);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>Runs <paramref name="sql"/>; returns the first column of its first row, if any, as text.</summary>
    private static string? Execute(SqliteConnection db, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd.ExecuteScalar() is { } value and not DBNull ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
