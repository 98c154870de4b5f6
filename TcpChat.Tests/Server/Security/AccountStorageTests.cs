using Microsoft.Data.Sqlite;
using TcpChat.Server.Security;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Security;

/// <summary>Accounts live in the history database, as salted PBKDF2 hashes, and survive a restart.</summary>
public sealed class AccountStorageTests : IDisposable
{
    private const string Password = "correct-horse-battery";
    private readonly string _data = Directory.CreateTempSubdirectory("tcpchat-accounts-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task RegisteredNickSurvivesARestartAndIsStoredAsASaltedPbkdf2Hash()
    {
        await using (var server = await ServerProcess.StartAsync("--data-dir", _data))
        {
            foreach (string nick in new[] { "alice", "bob" })
            {
                await using var client = await TestClient.ConnectAsync(server.Port);
                client.Send($"NICK {nick}\nREGISTER {Password}\n");
                await client.ExpectAsync($"REGISTER {nick}");
            }
            server.Signal(15);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await using (var server = await ServerProcess.StartAsync("--data-dir", _data))
        {
            await using var mallory = await TestClient.ConnectAsync(server.Port);
            mallory.Send("NICK alice\n");
            Assert.StartsWith("ERR NICK_REGISTERED NICK", (await mallory.ExpectAsync("ERR")).ToString());
            await using var alice = await TestClient.ConnectAsync(server.Port);
            alice.Send($"NICK alice {Password}\n");
            await alice.ExpectAsync("NICK * alice");
            server.Signal(15);
            await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        string file = Path.Combine(_data, "tcpchat.db");
        using (var db = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT nick_key, nick, salt, hash, iterations FROM accounts ORDER BY nick_key";
            using var reader = cmd.ExecuteReader();
            var salts = new List<byte[]>();
            var hashes = new List<byte[]>();
            while (reader.Read())
            {
                Assert.Equal(reader.GetString(0), reader.GetString(1));
                salts.Add((byte[])reader.GetValue(2));
                hashes.Add((byte[])reader.GetValue(3));
                Assert.True(reader.GetInt32(4) >= 100_000, $"{reader.GetInt32(4)} PBKDF2 iterations");
            }
            Assert.Equal(2, salts.Count);
            Assert.All(salts, s => Assert.Equal(Passwords.SaltBytes, s.Length));
            Assert.All(hashes, h => Assert.Equal(Passwords.HashBytes, h.Length));
            Assert.NotEqual(salts[0], salts[1]); // a salt per account: the same password hashes differently
            Assert.NotEqual(hashes[0], hashes[1]);
        }
        foreach (string path in Directory.GetFiles(_data))
            Assert.DoesNotContain(Password, System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(path)));
    }

    [Fact]
    public async Task PasswordsAreHashedWithPbkdf2AndComparedInConstantTime()
    {
        var account = await Passwords.HashAsync("alice", "alice", Password, 0);
        Assert.Equal(Passwords.Iterations, account.Iterations);
        Assert.True(await Passwords.VerifyAsync(account, Password));
        Assert.False(await Passwords.VerifyAsync(account, Password + "x"));
        Assert.False(await Passwords.VerifyAsync(account, "Correct-horse-battery"));
        // The hash is what RFC 8018 PBKDF2-HMAC-SHA256 gives, so other tools can check it.
        byte[] expected = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(Password), account.Salt,
            account.Iterations, System.Security.Cryptography.HashAlgorithmName.SHA256, Passwords.HashBytes);
        Assert.Equal(expected, account.Hash);
        // A password typed in another normalization form is the same password.
        var nfc = await Passwords.HashAsync("joão", "joão", "senha-do-jo\u00e3o", 0);
        Assert.True(await Passwords.VerifyAsync(nfc, "senha-do-joa\u0303o"));
    }
}
