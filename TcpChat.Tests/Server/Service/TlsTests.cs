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

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task ClientLibraryChatsOverTheTlsPort()
    {
        await using var server = await InProcessServer.StartAsync(TlsFlags("--tls-port", FreePort().ToString()));
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

    [Fact]
    public async Task MissingCertificateIsOneClearLineAndExitCodeTwo()
    {
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll"), "--tls", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"]);
        Assert.Equal(2, code);
        Assert.Contains("TlsCertificate/TlsKey: cannot load '/nonexistent/cert.pem'", stdout + stderr);
    }
}
