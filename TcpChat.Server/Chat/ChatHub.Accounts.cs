using Microsoft.Extensions.Logging;
using TcpChat.Protocol;
using TcpChat.Server.Security;

namespace TcpChat.Server.Chat;

/// <summary>
/// Identity (docs/PROTOCOL.md, "Accounts"): the server password (<c>PASS</c>), registering one's nick with a password
/// (<c>REGISTER</c>), and taking a registered nick with it (<c>NICK &lt;nick&gt; &lt;password&gt;</c>). A registered nick is
/// held only by whoever gave its password (or registered it), whatever its case or normalization: its key is the nick's.
/// Hashing a password takes tens of milliseconds, so it runs off the reader loop, which waits for it before reading on
/// (<see cref="SessionGuard.Defer"/>).
/// </summary>
internal sealed partial class ChatHub
{
    private readonly AccountBook _accounts;

    /// <summary>The server's memory of client addresses (connections, wrong passwords), and the security counters.</summary>
    public ConnectionGuard Guard { get; }

    public AccountBook Accounts => _accounts;

    /// <summary>
    /// Before any verb's own rules: with a server password, PASS first; then NICK; PING, PONG and QUIT are always allowed.
    /// </summary>
    private static bool Admits(Session session, in Frame frame)
    {
        if (frame.Verb is Verb.Ping or Verb.Pong or Verb.Quit or Verb.Pass) return true;
        if (!session.Guard.PassAccepted)
        {
            session.SendError(ErrorCode.NeedPass, frame.Verb.ToWire(), "this server needs a password first: PASS <password>");
            return false;
        }
        if (session.Nick is null && frame.Verb != Verb.Nick)
        {
            session.SendError(ErrorCode.NeedNick, frame.Verb.ToWire(), "register first: NICK <nick>");
            return false;
        }
        return true;
    }

    // PASS <password>: the server password (Security:ServerPassword), before anything else. Answer: none when right (and
    // when there is no server password, or it was given already); ERR BAD_PASSWORD when wrong.
    private void Pass(Session session, string password)
    {
        if (session.Guard.PassAccepted || !session.Guard.MayTryPassword("PASS")) return;
        if (Passwords.SameSecret(password, Guard.Options.ServerPassword))
        {
            session.Guard.PassAccepted = true;
            return;
        }
        session.Guard.Defer(session.Guard.PasswordFailedAsync("PASS", "wrong server password"));
    }

    // NICK <nick> [password]: register, rename, or take a registered nick with its password.
    // Answer: NICK <old or *> <new>, to the user and everyone sharing a room.
    private void Nick(Session session, string[] args)
    {
        if (!TextRules.TryNormalizeNick(args[0], out string nick, out string reason))
        {
            session.SendError(ErrorCode.BadNick, "NICK", reason);
            return;
        }
        string key = TextRules.Key(nick);
        string? password = args.Length > 1 ? args[1] : null;
        if (session.Nick == nick) return; // nothing changes
        Account? account = _accounts.Find(key);
        if (account is null)
        {
            if (password is not null)
            {
                session.SendError(ErrorCode.BadPassword, "NICK", $"{nick} is not registered: NICK {nick} takes it, then REGISTER <password>");
                return;
            }
            TakeNick(session, nick, key, authenticated: false);
        }
        else if (key == session.NickKey)
        {
            TakeNick(session, nick, key, authenticated: true); // its holder, changing its case
        }
        else if (password is null)
        {
            session.SendError(ErrorCode.NickRegistered, "NICK", $"{nick} is registered: NICK {nick} <password>");
        }
        else if (_nicks.ContainsKey(key)) // in cluster mode, the claim finds a holder on another node (ClusterNickAsync)
        {
            session.SendError(ErrorCode.NickInUse, "NICK", $"{nick} is taken"); // no hashing for a nick held anyway
        }
        else if (session.Guard.MayTryPassword("NICK"))
        {
            session.Guard.Defer(LoginAsync(session, nick, key, account, password));
        }
    }

    private async Task LoginAsync(Session session, string nick, string key, Account account, string password)
    {
        if (!await Passwords.VerifyAsync(account, password))
        {
            await session.Guard.PasswordFailedAsync("NICK", $"wrong password for {nick}");
            return;
        }
        if (session.IsClosing) return;
        if (_cluster is null) ApplyNick(session, nick, key, authenticated: true);
        else await ClusterNickAsync(session, nick, key, authenticated: true);
    }

    /// <summary>On the reader loop: NICK takes effect now on one server; in cluster mode once the cluster-wide claim is made.</summary>
    private void TakeNick(Session session, string nick, string key, bool authenticated)
    {
        if (_cluster is null) ApplyNick(session, nick, key, authenticated);
        else session.Guard.Defer(ClusterNickAsync(session, nick, key, authenticated));
    }

    /// <summary>
    /// Cluster mode: claims the nick on the engine (creating its key, which fails when it exists: one winner across
    /// nodes), then applies it here and tells the other nodes of a rename. The engine away: <c>ERR UNAVAILABLE</c>.
    /// </summary>
    private async Task ClusterNickAsync(Session session, string nick, string key, bool authenticated)
    {
        var cluster = _cluster!;
        string? old = session.Nick, oldKey = session.NickKey;
        if (key != oldKey)
        {
            bool claimed;
            try
            {
                claimed = await cluster.ClaimNickAsync(session, key, nick);
            }
            catch (Cluster.ClusterUnavailableException e)
            {
                session.SendError(ErrorCode.Unavailable, "NICK", $"{nick} could not be claimed: {e.Message}");
                return;
            }
            if (!claimed)
            {
                session.SendError(ErrorCode.NickInUse, "NICK", $"{nick} is taken");
                return;
            }
            if (session.IsClosing)
            {
                cluster.ReleaseNick(key);
                return;
            }
        }
        ApplyNick(session, nick, key, authenticated);
        if (session.NickKey != key)
        {
            cluster.ReleaseNick(key); // refused here after all (registered meanwhile)
            return;
        }
        if (old is not null && old != nick) cluster.Renamed(session, old, oldKey);
    }

    // REGISTER <password>: registers the user's nick with that password, or sets a new one. Answer: REGISTER <nick>, once
    // the account is stored.
    private void Register(Session session, string password)
    {
        if (!Passwords.IsAcceptable(password, out string reason))
        {
            session.SendError(ErrorCode.BadPassword, "REGISTER", reason);
            return;
        }
        string nick = session.Nick!, key = session.NickKey!;
        if (_accounts.Find(key) is null && !Guard.TryTakeNewAccount(session.Guard.AddressKey, Guard.NowMs))
        {
            Guard.Metrics.RateLimited.Add(1);
            session.SendError(ErrorCode.RateLimited, "REGISTER",
                $"at most {Guard.Options.MaxNewAccountsPerAddressPerHour} new nicks an hour from one address: try again later");
            return;
        }
        session.Guard.Defer(RegisterAsync(session, nick, key, password));
    }

    private async Task RegisterAsync(Session session, string nick, string key, string password)
    {
        var account = await Passwords.HashAsync(key, nick, password, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (session.IsClosing) return;
        // In memory at once, so the nick is protected from now on, even if its holder leaves before it is stored.
        if (!await _accounts.SaveAsync(account))
        {
            session.SendError(ErrorCode.StoreFailed, "REGISTER", "the account could not be stored: the nick is not registered");
            return;
        }
        _log.LogInformation("Registered {Nick} (#{Id})", nick, session.Id);
        session.Send(FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Register, nick)));
    }
}
