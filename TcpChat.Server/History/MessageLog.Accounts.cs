using Microsoft.Extensions.Logging;
using TcpChat.Server.Security;

namespace TcpChat.Server.History;

/// <summary>Accounts go through the same store as messages, one call at a time (docs/PROTOCOL.md, "Accounts").</summary>
internal sealed partial class MessageLog
{
    /// <summary>Every stored account; read once, when the <see cref="AccountBook"/> is made.</summary>
    public IReadOnlyList<Account> LoadAccounts()
    {
        lock (_storeGate) return _store.LoadAccounts();
    }

    /// <summary>
    /// Stores an account now (one transaction, synced to disk), between two commits of the loop; false when it could
    /// not be stored. Registrations are rare: the loop waits for one at most.
    /// </summary>
    public Task<bool> SaveAccount(Account account) => Task.Run(() =>
    {
        try
        {
            lock (_storeGate) _store.SaveAccount(account);
            return true;
        }
        catch (Exception e)
        {
            _log.LogError(e, "Could not store the account of {Nick} in {Store}", account.Nick, _store.Description);
            return false;
        }
    });
}
