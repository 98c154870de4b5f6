using TcpChat.Server.Security;

namespace TcpChat.Server.History;

/// <summary>With <c>--no-history</c>, accounts too live only as long as the server runs.</summary>
public sealed partial class MemoryMessageStore
{
    private readonly Dictionary<string, Account> _accounts = new();

    public IReadOnlyList<Account> LoadAccounts() => _accounts.Values.ToList();

    public void SaveAccount(Account account) => _accounts[account.NickKey] = account;
}
