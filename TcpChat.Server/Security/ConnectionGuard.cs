using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using TcpChat.Server.Chat;

namespace TcpChat.Server.Security;

/// <summary>
/// What the server remembers about client addresses: how many connections each holds (at most
/// <see cref="SecurityOptions.MaxConnectionsPerAddress"/>), and how many wrong passwords it gave lately (a leaky
/// bucket: past <see cref="SecurityOptions.MaxPasswordFailuresPerAddress"/>, its passwords are refused unchecked; one
/// failure is forgotten every <see cref="SecurityOptions.PasswordFailureForgivenSeconds"/>), and how many nicks it
/// registered in the last hour or so (<see cref="SecurityOptions.MaxNewAccountsPerAddressPerHour"/>). An address is an IPv4
/// address or an IPv6 /64 (what one customer usually gets); IPv4 on a dual-stack socket counts as IPv4. Entries go when
/// they hold nothing: an address with no connection and nothing left to forgive.
/// </summary>
internal sealed class ConnectionGuard : IDisposable
{
    private readonly ConcurrentDictionary<string, AddressState> _addresses = new();
    private readonly Timer _prune;

    private readonly TimeProvider _clock;

    /// <param name="clock">The clock of wrong passwords and new accounts (a test's, to see one forgiven): its timestamps.</param>
    public ConnectionGuard(IOptions<SecurityOptions> options, TimeProvider? clock = null)
    {
        Options = options.Value;
        _clock = clock ?? TimeProvider.System;
        _prune = new Timer(_ => Prune(NowMs), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>Milliseconds on the guard's monotonic clock: the "now" of every time given to this class.</summary>
    // In integers: through a double, two times a whole minute apart could come out 59,999 ms apart (a timestamp near
    // 1e18 has no room left for the fraction), and a failure was then forgiven a millisecond late (seen once in CI).
    public long NowMs => (long)((Int128)_clock.GetTimestamp() * 1000 / _clock.TimestampFrequency);

    public SecurityOptions Options { get; }

    public SecurityMetrics Metrics { get; } = new();

    /// <summary>Addresses remembered now (for tests: the table must not grow without bound).</summary>
    public int AddressCount => _addresses.Count;

    /// <summary>
    /// Counts a new connection from <paramref name="address"/>; false when the address already holds the most it may.
    /// <paramref name="key"/> names the address for <see cref="Release"/> (null: not counted, such as no address at all).
    /// </summary>
    public bool TryAdmit(IPAddress? address, out string? key)
    {
        key = address is null ? null : KeyOf(address);
        if (key is null) return true;
        while (true)
        {
            var state = _addresses.GetOrAdd(key, static _ => new AddressState());
            lock (state)
            {
                if (state.Removed) continue; // pruned meanwhile: take a new one
                if (state.Connections >= Options.MaxConnectionsPerAddress)
                {
                    Metrics.RefusedConnections.Add(1);
                    return false;
                }
                state.Connections++;
                return true;
            }
        }
    }

    /// <summary>Forgets one connection of <see cref="TryAdmit"/>.</summary>
    public void Release(string? key)
    {
        if (key is null || !_addresses.TryGetValue(key, out var state)) return;
        lock (state)
        {
            state.Connections--;
            RemoveIfIdle(key, state, NowMs);
        }
    }

    /// <summary>Whether the address has given so many wrong passwords lately that its passwords are not even checked.</summary>
    public bool PasswordsBlocked(string? key, long nowMs)
    {
        if (key is null || !_addresses.TryGetValue(key, out var state)) return false;
        lock (state) return state.Failures.Level(nowMs, ForgivenMs) > Options.MaxPasswordFailuresPerAddress - 1; // not yet forgiven one
    }

    /// <summary>Counts a wrong password against the address.</summary>
    public void PasswordFailed(string? key, long nowMs)
    {
        Metrics.PasswordFailures.Add(1);
        if (key is null || !_addresses.TryGetValue(key, out var state)) return;
        lock (state) state.Failures.Add(nowMs, ForgivenMs);
    }

    private double ForgivenMs => Options.PasswordFailureForgivenSeconds * 1000;

    /// <summary>
    /// Takes one of the address's new accounts (REGISTER of a nick that has none); false when it made
    /// <see cref="SecurityOptions.MaxNewAccountsPerAddressPerHour"/> in the last hour or so.
    /// </summary>
    public bool TryTakeNewAccount(string? key, long nowMs)
    {
        if (key is null || !_addresses.TryGetValue(key, out var state)) return true;
        double leakMs = 3_600_000.0 / Options.MaxNewAccountsPerAddressPerHour;
        lock (state)
        {
            if (state.NewAccounts.Level(nowMs, leakMs) + 1 > Options.MaxNewAccountsPerAddressPerHour) return false;
            state.NewAccounts.Add(nowMs, leakMs);
            return true;
        }
    }

    /// <summary>Drops the addresses with no connection and no failure left to forgive.</summary>
    internal void Prune(long nowMs)
    {
        foreach (var (key, state) in _addresses)
            lock (state) RemoveIfIdle(key, state, nowMs);
    }

    /// <summary>Under the state's lock.</summary>
    private void RemoveIfIdle(string key, AddressState state, long nowMs)
    {
        if (state.Connections > 0 || state.Failures.Level(nowMs, ForgivenMs) > 0
            || state.NewAccounts.Level(nowMs, 3_600_000.0 / Options.MaxNewAccountsPerAddressPerHour) > 0) return;
        state.Removed = true;
        _addresses.TryRemove(new(key, state));
    }

    /// <summary>IPv4 as it is; IPv6 by its /64; IPv4-mapped IPv6 as IPv4.</summary>
    public static string KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    public void Dispose()
    {
        _prune.Dispose();
        Metrics.Dispose();
    }

    /// <summary>Guarded by its own lock.</summary>
    private sealed class AddressState
    {
        public int Connections;
        public bool Removed;
        public LeakyCount Failures;
        public LeakyCount NewAccounts;
    }

    /// <summary>A count that goes down by one every <c>leakMs</c> milliseconds, never below zero.</summary>
    private struct LeakyCount
    {
        private double _count;
        private long _at;

        public readonly double Level(long nowMs, double leakMs) => _count <= 0 ? 0 : Math.Max(0, _count - (nowMs - _at) / leakMs);

        public void Add(long nowMs, double leakMs)
        {
            _count = Level(nowMs, leakMs) + 1;
            _at = nowMs;
        }
    }
}

/// <summary>
/// The counters of <see cref="ConnectionGuard"/> and of each session's guard, on the server's meter
/// (<see cref="ChatMetrics.MeterName"/>), with totals that can be read.
/// </summary>
internal sealed class SecurityMetrics : IDisposable
{
    private readonly Meter _meter = new(ChatMetrics.MeterName);

    public SecurityMetrics()
    {
        RefusedConnections = Tally("tcpchat.refused_connections", "connections refused: too many from one address");
        RegistrationTimeouts = Tally("tcpchat.registration_timeouts", "connections closed for not registering in time");
        ForeignProtocols = Tally("tcpchat.foreign_protocols", "connections closed for speaking HTTP or TLS");
        RateLimited = Tally("tcpchat.rate_limited", "connections closed for flooding or too many wrong passwords");
        FakeLag = Tally("tcpchat.fake_lag", "frames held back by flood control");
        PasswordFailures = Tally("tcpchat.password_failures", "wrong passwords (PASS, NICK)");
        WriteTimeouts = Tally("tcpchat.write_timeouts", "connections whose write did not finish in time (also in slow_consumers)");
    }

    public ChatMetrics.Tally RefusedConnections { get; }
    public ChatMetrics.Tally RegistrationTimeouts { get; }
    public ChatMetrics.Tally ForeignProtocols { get; }
    public ChatMetrics.Tally RateLimited { get; }
    public ChatMetrics.Tally FakeLag { get; }
    public ChatMetrics.Tally PasswordFailures { get; }
    public ChatMetrics.Tally WriteTimeouts { get; }

    /// <summary>The counters as STATS lists them, after the chat counters.</summary>
    public IEnumerable<(string Name, long Value)> Lines() =>
    [
        ("refused_connections", RefusedConnections.Total),
        ("registration_timeouts", RegistrationTimeouts.Total),
        ("foreign_protocols", ForeignProtocols.Total),
        ("rate_limited", RateLimited.Total),
        ("fake_lag", FakeLag.Total),
        ("password_failures", PasswordFailures.Total),
        ("write_timeouts", WriteTimeouts.Total),
    ];

    private ChatMetrics.Tally Tally(string name, string description) => new(_meter.CreateCounter<long>(name, description: description));

    public void Dispose() => _meter.Dispose();
}
