using System.Net.Sockets;
using System.Text;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Service;

/// <summary>sd_notify against a datagram socket the test listens on, as systemd would.</summary>
public sealed class SystemdNotifyTests
{
    private sealed class FakeSystemd : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        public FakeSystemd(bool abstractName)
        {
            string id = Guid.NewGuid().ToString("N")[..12];
            Name = abstractName ? "@tcpchat-test-" + id : Path.Combine(Path.GetTempPath(), $"tcpchat-notify-{id}.sock");
            _socket.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + Name[1..] : Name));
        }

        public string Name { get; }

        public async Task<string> ReceiveAsync()
        {
            var buffer = new byte[4096];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }

        public void Dispose()
        {
            _socket.Dispose();
            if (Name[0] != '@') File.Delete(Name);
        }
    }

    /// <summary>
    /// READY=1 and STOPPING=1 come from Microsoft.Extensions.Hosting.Systemd, which acts only when the server's parent
    /// is systemd (here a stand-in named so); STATUS= and WATCHDOG=1 from our SystemdStatus on the library's notifier.
    /// The library sends each state in a datagram of its own (the hand-written notifier sent READY=1 and STATUS= in one).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerUnderSystemdSaysReadyOnceListeningThenStoppingOnSigterm(bool abstractName)
    {
        using var systemd = new FakeSystemd(abstractName);
        await using var server = await ServerProcess.StartUnderSystemdAsync(new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = systemd.Name,
            ["WATCHDOG_USEC"] = "400000", // WatchdogSec=0.4: a WATCHDOG=1 every 0.2 s
        });
        var seen = new List<string>();
        // READY=1 and the first STATUS= are sent on the same event, in either order: a wait looks at what came already.
        // WATCHDOG=1 comes every 0.2 s, so each wait has a deadline of its own, not only each datagram.
        async Task<string> Until(Func<string, bool> wanted)
        {
            if (seen.FirstOrDefault(wanted) is { } already) return already;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                string next = await systemd.ReceiveAsync();
                seen.Add(next);
                if (wanted(next)) return next;
            }
            throw new Xunit.Sdk.XunitException("not sent in 60 s; seen: " + string.Join(" | ", seen.Where(s => s != "WATCHDOG=1").Distinct()) +
                "\nlog:\n" + server.Log);
        }

        await Until(s => s == "READY=1");
        await using (var client = await TestClient.ConnectAsync(server.Port)) // it really listens once ready
            await client.ExpectAsync("HELLO");
        await Until(s => s == $"STATUS=Listening on 127.0.0.1:{server.Port}");
        await Until(s => s == "WATCHDOG=1");
        await Until(s => s.StartsWith("STATUS=Listening on ", StringComparison.Ordinal) && s.EndsWith(" connected", StringComparison.Ordinal));

        server.Signal(15);
        await Until(s => s == "STOPPING=1");
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain(seen, s => s.Contains("READY=1", StringComparison.Ordinal) && s != "READY=1");
        Assert.Contains("<6>", server.Log); // the library's systemd log format: journald priorities
        Assert.DoesNotMatch(@"\d{4}-\d\d-\d\d \d\d:\d\d", server.Log); // and no timestamps of our own: journald adds them
    }

    [Fact]
    public async Task OutsideSystemdTheLogHasTimestampsAndNoPriorities()
    {
        await using var server = await ServerProcess.StartAsync("--no-history");
        Assert.Matches(new System.Text.RegularExpressions.Regex(
            @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info: TcpChat.Server\[0\] Listening on ",
            System.Text.RegularExpressions.RegexOptions.Multiline), server.Log);
        Assert.DoesNotContain("<6>", server.Log);
    }
}
