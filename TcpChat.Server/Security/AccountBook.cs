using System.Collections.Concurrent;
using TcpChat.Server.History;

namespace TcpChat.Server.Security;

/// <summary>
/// The registered nicks, all in memory (an account is about 150 bytes), so that NICK can tell at once whether a nick
/// needs a password; stored in the history database through <see cref="MessageLog"/>'s loop, which owns it. Read from
/// the store once, at start. A new account is in memory before it is stored (so the nick is protected from the moment
/// its holder asked), and REGISTER is answered once it is stored.
/// </summary>
internal sealed class AccountBook(MessageLog log)
{
    private readonly ConcurrentDictionary<string, Account> _accounts =
        new(log.LoadAccounts().Select(a => new KeyValuePair<string, Account>(a.NickKey, a)));

    public int Count => _accounts.Count;

    /// <summary>Where accounts are stored instead of the history database: the cluster's accounts bucket (Cluster/).</summary>
    internal Func<Account, Task<bool>>? Store { get; set; }

    /// <summary>An account stored elsewhere (by another cluster node), taken into memory as it is.</summary>
    internal void Adopt(Account account) => _accounts[account.NickKey] = account;

    /// <summary>The account of a nick key (<see cref="Protocol.TextRules.Key"/>), or null when the nick is not registered.</summary>
    public Account? Find(string nickKey) => _accounts.GetValueOrDefault(nickKey);

    /// <summary>Sets (or replaces) an account in memory at once and stores it; false when storing failed, and then memory is as before.</summary>
    public async Task<bool> SaveAsync(Account account)
    {
        Account? previous = null;
        _accounts.AddOrUpdate(account.NickKey, account, (_, old) =>
        {
            previous = old;
            return account;
        });
        if (await (Store?.Invoke(account) ?? log.SaveAccount(account))) return true;
        if (previous is null) _accounts.TryRemove(new(account.NickKey, account));
        else _accounts.TryUpdate(account.NickKey, previous, account);
        return false;
    }
}
