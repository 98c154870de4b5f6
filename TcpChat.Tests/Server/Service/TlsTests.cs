using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tui.Net;

namespace TcpChat.Tests.Server.Service;

/// <summary>TLS with a certificate the test makes: the client library's round trip, and plain clients refused cleanly.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    private string[] TlsFlags(params string[] more) =>
        ["--tls-cert", _certificate.CertificatePath, "--tls-key", _certificate.KeyPath, .. more];

    private static async Task<List<ServerFrame>> TalkAsync(ChatConnection connection, string send, Func<List<ServerFrame>, bool> done)
    {
        var frames = new List<ServerFrame>();
        var finished = new TaskCompletionSource();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reading = connection.ReadAllAsync(f =>
        {
            lock (frames) { frames.Add(f); if (done(frames)) finished.TrySetResult(); }
        }, cts.Token);
        connection.Send(Encoding.UTF8.GetBytes(send));
        await finished.Task.WaitAsync(cts.Token);
        return frames;
    }

    /// <summary>
    /// A server with a second, TLS port. The server has no "pick one" value for --tls-port (0 means none), so no port is
    /// probed and released: the server's own bind tries a port outside the kernel's ephemeral range, and another one
    /// if that is taken.
    /// </summary>
    private async Task<InProcessServer> StartWithTlsPortAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = Random.Shared.Next(20_000, 30_000);
            try
            {
                return await InProcessServer.StartAsync(TlsFlags("--tls-port", port.ToString()));
            }
            catch (Exception e) when (attempt < 20 && IsAddressInUse(e))
            {
            }
        }
    }

    private static bool IsAddressInUse(Exception? e) =>
        e is not null && (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
            || IsAddressInUse(e.InnerException) || (e is AggregateException a && a.InnerExceptions.Any(IsAddressInUse)));

    [Fact]
    public async Task ClientLibraryChatsOverTheTlsPort()
    {
        await using var server = await StartWithTlsPortAsync();
        Assert.NotEqual(0, server.TlsPort);
        await using var plainPeer = await server.RegisterAsync("bob"); // the main port stays plain
        await using var connection = await ChatConnection.ConnectAsync("127.0.0.1", server.TlsPort, TimeSpan.FromSeconds(30),
            CancellationToken.None, ChatConnection.Security.TlsInsecure);
        var frames = await TalkAsync(connection, "NICK João\nSEND #lobby :olá over TLS\n",
            fs => fs.Any(f => f.Verb == Verb.Msg));
        Assert.Equal(Verb.Hello, frames[0].Verb);
        Assert.Equal("olá over TLS", frames.Single(f => f.Verb == Verb.Msg).Text);
        Assert.Equal("olá over TLS", (await plainPeer.ExpectAsync("MSG #lobby João")).Text);
    }

    [Fact]
    public async Task CertificateIsVerifiedUnlessTheClientSaysInsecure()
    {
        await using var server = await InProcessServer.StartAsync(TlsFlags("--tls"));
        // Self-signed: not trusted by the system, so the verifying client refuses it.
        await Assert.ThrowsAsync<AuthenticationException>(() => ChatConnection.ConnectAsync("127.0.0.1", server.Port,
            TimeSpan.FromSeconds(30), CancellationToken.None, ChatConnection.Security.Tls));
        await using var insecure = await ChatConnection.ConnectAsync("127.0.0.1", server.Port, TimeSpan.FromSeconds(30),
            CancellationToken.None, ChatConnection.Security.TlsInsecure);
        var frames = await TalkAsync(insecure, "NICK ana\n", fs => fs.Any(f => f.Verb == Verb.Names));
        Assert.Contains(frames, f => f.Verb == Verb.Nick && f.Arg(1) == "ana");
    }

    [Fact]
    public async Task PlainClientOnATlsPortIsRefusedInPlainWords()
    {
        await using var server = await InProcessServer.StartAsync(TlsFlags("--tls"));
        await using var plain = await server.ConnectAsync();
        plain.Send("NICK bob\n");
        var frames = await plain.ExpectClosedAsync();
        Assert.Equal(["ERR TLS_REQUIRED * :this port speaks TLS: connect with TLS (tcpchat --tls)",
                      "BYE :this port speaks TLS: connect with TLS (tcpchat --tls)"], frames.Select(f => f.ToString()));
    }

    [Theory]
    [InlineData(new byte[0])] // connects and says nothing
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00 })] // the start of a ClientHello, then nothing
    public async Task HandshakeThatDoesNotFinishIsCutAtItsDeadline(byte[] sent)
    {
        // Registration and ping deadlines far away: only the handshake's can cut it within the test.
        await using var server = await InProcessServer.StartAsync(TlsFlags("--tls", "--tls-handshake-seconds", "2",
            "--registration-timeout", "600", "--ping", "600"));
        using var stalled = new Socket(SocketType.Stream, ProtocolType.Tcp);
        // The clock starts before the connect: the server's deadline starts at its accept, which may run before this
        // test's code resumes after ConnectAsync on a loaded machine (then the cut looked early).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await stalled.ConnectAsync("127.0.0.1", server.Port);
        if (sent.Length > 0) await stalled.SendAsync(sent);

        var buffer = new byte[4096];
        int received;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                while ((received = await stalled.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) { }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { received = 0; }
        }
        // Never before the deadline; after it, as soon as a loaded machine gets round to it (60 s would be the test's own).
        Assert.Equal(0, received);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"cut after {clock.Elapsed.TotalSeconds:0.0} s, before the 2 s deadline");

        // The port still serves a client that does finish its handshake.
        await using var good = await ChatConnection.ConnectAsync("127.0.0.1", server.Port, TimeSpan.FromSeconds(30),
            CancellationToken.None, ChatConnection.Security.TlsInsecure);
        var frames = await TalkAsync(good, "NICK ana\n", fs => fs.Any(f => f.Verb == Verb.Names));
        Assert.Contains(frames, f => f.Verb == Verb.Nick && f.Arg(1) == "ana");
    }

    [Fact]
    public async Task MissingCertificateIsOneClearLineAndExitCodeTwo()
    {
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll"), "--tls", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"]);
        Assert.Equal(2, code);
        Assert.Contains("TlsCertificate/TlsKey: cannot load '/nonexistent/cert.pem'", stdout + stderr);
    }
}
