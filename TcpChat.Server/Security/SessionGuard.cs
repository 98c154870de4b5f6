using System.Buffers;
using static System.FormattableString;
using TcpChat.Protocol;
using TcpChat.Server.Chat;

namespace TcpChat.Server.Security;

/// <summary>
/// The defences of one connection, driven by its <see cref="Session"/>'s reader loop (docs/PROTOCOL.md, "Registration",
/// "Flood control", "Accounts"):
/// <list type="bullet">
/// <item>admission: at most <see cref="SecurityOptions.MaxConnectionsPerAddress"/> connections per address;</item>
/// <item>before registration, small line and payload limits and a deadline to register (ERR TIMEOUT);</item>
/// <item>a first line in HTTP or a TLS ClientHello gets one clear ERR NOT_TCPCHAT and a close;</item>
/// <item>flood control: a token bucket per connection; over it the reader loop waits (fake lag), and a connection held
/// back without a break for too long is closed (ERR RATE_LIMITED);</item>
/// <item>wrong passwords: each answered late, the last one allowed closes the connection;</item>
/// <item>work a frame hands off (hashing a password) is waited for before the next frame is read.</item>
/// </list>
/// </summary>
internal sealed class SessionGuard : IDisposable
{
    /// <summary>What a frame that hashes a password (REGISTER, NICK with a password) costs in flood-control tokens.</summary>
    public const int PasswordFrameCost = 5;

    private readonly Session _session;
    private readonly ConnectionGuard _server;
    private readonly SecurityOptions _options;
    private readonly ChatOptions _chat;
    private readonly FrameParser _parser;
    private readonly FloodGate _flood;
    private LazyCancellation _closing; // made only when a wait needs it: most sessions never wait
    private Timer? _registrationClock;
    private string? _addressKey;
    private bool _admitted;
    private bool _firstBytesChecked;
    private Task? _deferred;

    /// <summary>Sets <paramref name="parser"/>'s limits to those before registration.</summary>
    public SessionGuard(Session session, ConnectionGuard server, FrameParser parser, ChatOptions chat)
    {
        _session = session;
        _server = server;
        _options = server.Options;
        _chat = chat;
        _parser = parser;
        _flood = new FloodGate(_options.FloodBurst, _options.FloodRate, _options.FloodMaxLagSeconds);
        parser.MaxLine = _options.UnregisteredLineLimit(chat);
        parser.MaxPayload = _options.UnregisteredPayloadLimit(chat);
        PassAccepted = _options.ServerPassword.Length == 0;
    }

    public SecurityMetrics Metrics => _server.Metrics;

    /// <summary>True once the connection gave the server password (always true when there is none).</summary>
    public bool PassAccepted { get; set; }

    /// <summary>True once NICK succeeded: the full limits apply.</summary>
    public bool Registered { get; private set; }

    /// <summary>The connection's address as <see cref="ConnectionGuard"/> counts it (IPv4, or IPv6 /64); null when it has none.</summary>
    public string? AddressKey => _addressKey;

    /// <summary>Wrong passwords this connection gave.</summary>
    public int PasswordFailures { get; private set; }

    /// <summary>
    /// Before HELLO: counts the connection against its address. False when the address already holds the most it may;
    /// the session is then closed with ERR TOO_MANY_CONNECTIONS (and gets no HELLO). Starts the registration clock.
    /// </summary>
    public bool Admit()
    {
        if (!_server.TryAdmit(_session.Remote?.Address, out _addressKey))
        {
            _session.Close(ErrorCode.TooManyConnections,
                $"too many connections from {_addressKey}: at most {_options.MaxConnectionsPerAddress} at once", "too many connections");
            return false;
        }
        _admitted = true;
        _registrationClock = new Timer(static state => ((SessionGuard)state!).RegistrationExpired(), this,
            TimeSpan.FromSeconds(_options.RegistrationTimeoutSeconds), Timeout.InfiniteTimeSpan);
        return true;
    }

    private void RegistrationExpired()
    {
        if (_session.Nick is not null || _session.IsClosing) return;
        Metrics.RegistrationTimeouts.Add(1);
        _session.Close(ErrorCode.Timeout, Invariant($"no NICK within {_options.RegistrationTimeoutSeconds} seconds"), "registration timeout");
    }

    /// <summary>
    /// Before the first frame: <see cref="ForeignProtocol.Verdict.NeedMoreData"/> while the first bytes may still be the
    /// start of HTTP or TLS (at most a dozen bytes are held back); <see cref="ForeignProtocol.Verdict.Foreign"/> when they
    /// are, and then the session is closed with ERR NOT_TCPCHAT.
    /// </summary>
    public ForeignProtocol.Verdict CheckFirstBytes(in ReadOnlySequence<byte> buffer, bool completed)
    {
        if (_firstBytesChecked) return ForeignProtocol.Verdict.TcpChat;
        var verdict = ForeignProtocol.Check(buffer, completed, out string name);
        if (verdict == ForeignProtocol.Verdict.NeedMoreData) return verdict;
        _firstBytesChecked = true;
        if (verdict == ForeignProtocol.Verdict.Foreign)
        {
            Metrics.ForeignProtocols.Add(1);
            _session.Close(ErrorCode.NotTcpChat, ForeignProtocol.Answer(name), $"spoke {name}");
        }
        return verdict;
    }

    /// <summary>What a frame costs in flood-control tokens: PING and PONG nothing, a password hash more than one.</summary>
    public static int CostOf(in Frame frame) => frame.Verb switch
    {
        Verb.Ping or Verb.Pong => 0,
        Verb.Register => PasswordFrameCost,
        Verb.Nick when frame.Args.Length > 1 => PasswordFrameCost,
        _ => 1,
    };

    /// <summary>
    /// Flood control, before a frame (or a refused line) is handled: waits while the connection is over its rate (the
    /// reader loop reads nothing meanwhile). False when the connection is closing: it flooded for too long, or was
    /// closed while it waited.
    /// </summary>
    public async ValueTask<bool> PaceAsync(int cost)
    {
        long now = Environment.TickCount64;
        var verdict = _flood.Charge(now, cost);
        if (verdict.Flooding)
        {
            Metrics.RateLimited.Add(1);
            _session.Close(ErrorCode.RateLimited,
                Invariant($"flooding: more than {_options.FloodRate} frames a second for {_options.FloodMaxLagSeconds} seconds"), "flooding");
            return false;
        }
        if (verdict.Wait <= TimeSpan.Zero) return true;
        Metrics.FakeLag.Add(1);
        // The server is the one not reading: the client is not silent meanwhile (docs/PROTOCOL.md, "Keepalive").
        _session.HeardUntil(now + (long)verdict.Wait.TotalMilliseconds);
        try { await Task.Delay(verdict.Wait, _closing.Token); }
        catch (OperationCanceledException) { return false; }
        _flood.Resumed(Environment.TickCount64);
        return !_session.IsClosing;
    }

    /// <summary>
    /// Hands off work of the frame being handled (hashing a password): the reader loop waits for it before it reads the
    /// next frame, so the session's frames are still handled one at a time, in order. One at a time.
    /// </summary>
    /// <summary>Whether the frame being handled has not deferred work yet (<see cref="Defer"/> takes one).</summary>
    public bool CanDefer => _deferred is null;

    public void Defer(Task work)
    {
        if (_deferred is not null) throw new InvalidOperationException("a frame may defer one piece of work");
        _deferred = work;
    }

    /// <summary>After a frame: waits for its deferred work; on the first successful NICK, raises the limits to the full ones.</summary>
    public async ValueTask AfterFrameAsync()
    {
        if (_deferred is { } work)
        {
            _deferred = null;
            await work;
        }
        if (!Registered && _session.Nick is not null)
        {
            Registered = true;
            _parser.MaxLine = _chat.MaxLine;
            _parser.MaxPayload = _chat.MaxPayload;
            _registrationClock?.Dispose();
            _registrationClock = null; // a disposed timer still holds its queue entry: let it go with the timer
        }
    }

    /// <summary>
    /// Before a password is checked: false when the connection's address gave too many wrong ones lately; the session
    /// is then closed with ERR RATE_LIMITED, and the password is not looked at.
    /// </summary>
    public bool MayTryPassword(string verb)
    {
        if (!_server.PasswordsBlocked(_addressKey, _server.NowMs)) return true;
        Metrics.RateLimited.Add(1);
        _session.Close(ErrorCode.RateLimited, $"too many wrong passwords from {_addressKey}: try again later", "too many wrong passwords",
            verb: verb);
        return false;
    }

    /// <summary>
    /// A wrong password: counted against the connection and its address. The connection's last allowed failure closes it
    /// with ERR RATE_LIMITED; the others are answered with ERR BAD_PASSWORD after a delay.
    /// </summary>
    public async Task PasswordFailedAsync(string verb, string message)
    {
        PasswordFailures++;
        _server.PasswordFailed(_addressKey, _server.NowMs);
        if (PasswordFailures >= _options.MaxPasswordFailures)
        {
            Metrics.RateLimited.Add(1);
            _session.Close(ErrorCode.RateLimited, $"{PasswordFailures} wrong passwords", "too many wrong passwords", verb: verb);
            return;
        }
        try { await Task.Delay(TimeSpan.FromSeconds(_options.PasswordFailureDelaySeconds), _closing.Token); }
        catch (OperationCanceledException) { return; }
        _session.SendError(ErrorCode.BadPassword, verb, message);
    }

    /// <summary>Called once by <see cref="Session.Close"/>: the waits end, without running anything on the caller's thread.</summary>
    public void OnClosing()
    {
        _registrationClock?.Dispose();
        _closing.Cancel(async: true);
    }

    /// <summary>At the end of the session: the address's count goes down.</summary>
    public void Dispose()
    {
        _registrationClock?.Dispose();
        if (_admitted) _server.Release(_addressKey);
        _admitted = false;
    }
}
