using Microsoft.Data.Sqlite;
using TcpChat.Server.Security;

namespace TcpChat.Server.History;

/// <summary>Registered nicks, in the same database as the history (docs/PROTOCOL.md, "Accounts").</summary>
public sealed partial class SqliteMessageStore
{
    /// <summary>Schema version 2: the accounts.</summary>
    private const string AccountsMigration =
        """
        -- One row per registered nick. nick_key: the nick's identity (NFC, lower case); nick: as registered.
        -- hash: PBKDF2-HMAC-SHA256 of the password with salt, iterations rounds; never the password itself.
        CREATE TABLE accounts (
            nick_key TEXT PRIMARY KEY,
            nick TEXT NOT NULL,
            salt BLOB NOT NULL,
            hash BLOB NOT NULL,
            iterations INTEGER NOT NULL,
            created_unix_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        """;

    public IReadOnlyList<Account> LoadAccounts()
    {
        var accounts = new List<Account>();
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT nick_key, nick, salt, hash, iterations, created_unix_ms FROM accounts";
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            accounts.Add(new Account(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2), (byte[])reader.GetValue(3),
                reader.GetInt32(4), reader.GetInt64(5)));
        }
        return accounts;
    }

    public void SaveAccount(Account account)
    {
        using var tx = _db.BeginTransaction(deferred: false);
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText =
            """
            INSERT INTO accounts (nick_key, nick, salt, hash, iterations, created_unix_ms) VALUES ($k, $n, $s, $h, $i, $ms)
            ON CONFLICT (nick_key) DO UPDATE SET nick = excluded.nick, salt = excluded.salt, hash = excluded.hash,
                iterations = excluded.iterations, created_unix_ms = excluded.created_unix_ms
            """;
        cmd.Parameters.AddWithValue("$k", account.NickKey);
        cmd.Parameters.AddWithValue("$n", account.Nick);
        cmd.Parameters.AddWithValue("$s", account.Salt);
        cmd.Parameters.AddWithValue("$h", account.Hash);
        cmd.Parameters.AddWithValue("$i", account.Iterations);
        cmd.Parameters.AddWithValue("$ms", account.CreatedUnixMs);
        cmd.ExecuteNonQuery();
        tx.Commit();
    }
}
