using System.Security.Cryptography;
using System.Text;

namespace TcpChat.Server.Security;

/// <summary>
/// Password hashing: PBKDF2-HMAC-SHA256 (<see cref="Rfc2898DeriveBytes.Pbkdf2(byte[], byte[], int, HashAlgorithmName, int)"/>),
/// <see cref="Iterations"/> rounds, a random salt per account, compared in constant time. A hash costs tens of
/// milliseconds of CPU on purpose, so at most <see cref="Concurrency"/> run at once, off the connections' reader loops.
/// </summary>
public static class Passwords
{
    public const int Iterations = 100_000;
    public const int SaltBytes = 16;
    public const int HashBytes = 32;
    public const int MinBytes = 8;
    public const int MaxBytes = 256;

    /// <summary>Hashes running at once, server-wide: the rest wait their turn (and their connections read nothing meanwhile).</summary>
    public static readonly int Concurrency = Math.Max(1, Environment.ProcessorCount / 2);

    private static readonly SemaphoreSlim Gate = new(Concurrency, Concurrency);

    /// <summary>A password is one protocol token (no space, no control character) of 8 to 256 bytes of UTF-8.</summary>
    public static bool IsAcceptable(string password, out string reason)
    {
        int bytes = Encoding.UTF8.GetByteCount(password);
        reason = bytes < MinBytes ? $"a password must be at least {MinBytes} bytes"
            : bytes > MaxBytes ? $"a password must be at most {MaxBytes} bytes" : "";
        return reason.Length == 0;
    }

    /// <summary>A new account for <paramref name="nick"/> with a fresh salt; the hash runs on the thread pool, gated.</summary>
    public static Task<Account> HashAsync(string nickKey, string nick, string password, long nowUnixMs) =>
        GatedAsync(() =>
        {
            byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
            return new Account(nickKey, nick, salt, Derive(password, salt, Iterations), Iterations, nowUnixMs);
        });

    /// <summary>Whether <paramref name="password"/> is the account's, compared in constant time.</summary>
    public static Task<bool> VerifyAsync(Account account, string password) =>
        GatedAsync(() => CryptographicOperations.FixedTimeEquals(Derive(password, account.Salt, account.Iterations), account.Hash));

    /// <summary>The server password check: both sides hashed first, so neither the length nor a prefix leaks by timing.</summary>
    public static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormC)), salt, iterations,
            HashAlgorithmName.SHA256, HashBytes);

    private static async Task<T> GatedAsync<T>(Func<T> work)
    {
        await Gate.WaitAsync();
        try { return await Task.Run(work); }
        finally { Gate.Release(); }
    }
}
