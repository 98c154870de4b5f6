namespace TcpChat.Server.Security;

/// <summary>
/// A registered nick: who may hold it is whoever knows the password whose PBKDF2 hash this is. Kept in the history
/// database (table <c>accounts</c>), or in memory with <c>--no-history</c>.
/// </summary>
/// <param name="NickKey">The nick's identity, <see cref="Protocol.TextRules.Key"/> of its NFC form: case and normalization variants are the same account.</param>
/// <param name="Nick">The nick as it was registered (NFC).</param>
/// <param name="Salt">Random, per account, <see cref="Passwords.SaltBytes"/> bytes.</param>
/// <param name="Hash">PBKDF2-HMAC-SHA256 of the password's UTF-8 bytes (NFC), <see cref="Passwords.HashBytes"/> bytes.</param>
/// <param name="Iterations">The PBKDF2 iteration count it was hashed with; kept so the default may be raised later.</param>
/// <param name="CreatedUnixMs">When the password was set.</param>
public sealed record Account(string NickKey, string Nick, byte[] Salt, byte[] Hash, int Iterations, long CreatedUnixMs);
