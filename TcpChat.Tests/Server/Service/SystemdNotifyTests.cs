using System.Net.Sockets;
using System.Text;
using TcpChat.Server.Hosting;
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NotifierSendsOneDatagramToAPathOrAbstractSocket(bool abstractName)
    {
        using var systemd = new FakeSystemd(abstractName);
        Assert.True(new SystemdNotifier(systemd.Name).Notify("READY=1\nSTATUS=ok"));
        Assert.Equal("READY=1\nSTATUS=ok", await systemd.ReceiveAsync());
    }

    [Fact]
    public void NotifierWithoutAListenerReportsFailureInsteadOfThrowing()
    {
        Assert.False(new SystemdNotifier("/nonexistent/notify.sock").Notify("READY=1"));
    }

    [Fact]
    public async Task ServerSaysReadyOnlyOnceListeningThenStoppingOnSigterm()
    {
        using var systemd = new FakeSystemd(abstractName: true);
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = systemd.Name,
            ["WATCHDOG_USEC"] = "400000", // WatchdogSec=0.4: a WATCHDOG=1 every 0.2 s
        });
        string ready = await systemd.ReceiveAsync();
        Assert.StartsWith("READY=1\n", ready);
        Assert.Contains($"STATUS=Listening on 127.0.0.1:{server.Port}", ready);
        await using (var client = await TestClient.ConnectAsync(server.Port)) // it really listens
            await client.ExpectAsync("HELLO");

        Assert.Equal("WATCHDOG=1", await systemd.ReceiveAsync());
        server.Signal(15);
        string next;
        do next = await systemd.ReceiveAsync(); while (next == "WATCHDOG=1");
        Assert.StartsWith("STOPPING=1", next);
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("<6>", server.Log); // journald priorities when run by systemd
    }
}
