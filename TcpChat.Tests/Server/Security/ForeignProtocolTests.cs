using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using TcpChat.Protocol;
using TcpChat.Server.Security;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Security;

/// <summary>
/// A browser, curl, a health check or a TLS client on the plain port gets one line that says what the port is, and a
/// close (docs/PROTOCOL.md, "Foreign protocols"), instead of one ERR UNKNOWN_VERB per header line.
/// </summary>
public sealed class ForeignProtocolTests
{
    private const string NotHttp = "this is a TcpChat server (line protocol), not HTTP; see docs/PROTOCOL.md";
    private const string NotTls = "this is a TcpChat server (line protocol) on a plain TCP port, not TLS; see docs/PROTOCOL.md";

    public static TheoryData<string, string> HttpRequests() => new()
    {
        { "browser", "GET / HTTP/1.1\r\nHost: chat.example:7777\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n\r\n" },
        { "curl POST", "POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi" },
        { "health check", "HEAD /health HTTP/1.0\r\n\r\n" },
        { "PUT", "PUT /x HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "proxy", "CONNECT chat.example:443 HTTP/1.1\r\nHost: chat.example:443\r\n\r\n" },
        { "DELETE", "DELETE /x HTTP/1.1\r\n\r\n" },
        { "OPTIONS", "OPTIONS * HTTP/1.1\r\n\r\n" },
        { "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" },
        { "a header first", "Host: chat.example\r\n\r\n" },
        { "a header first, lower case", "host: chat.example\r\n\r\n" },
        { "no LF at all", "GET /" },
    };

    [Theory]
    [MemberData(nameof(HttpRequests))]
    public async Task HttpRequestGetsOneClearLineAndIsClosed(string why, string request)
    {
        await using var server = await InProcessServer.StartAsync();
        await using var client = await server.ConnectAsync();
        await client.ExpectAsync("HELLO");

        client.Send(request);

        var frames = await client.ExpectClosedAsync();
        Assert.True(frames.Count == 2, $"{why}: {string.Join(" | ", frames)}");
        Assert.Equal($"ERR NOT_TCPCHAT * :{NotHttp}", frames[0].ToString());
        Assert.Equal($"BYE :{NotHttp}", frames[1].ToString());
        Assert.Equal(1, server.Guard().Metrics.ForeignProtocols.Total);
    }

    [Fact]
    public async Task TlsClientHelloGetsOneClearLineAndIsClosed()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var client = await server.ConnectAsync();
        await client.ExpectAsync("HELLO");

        // The start of a TLS 1.2/1.3 ClientHello record: handshake (22), version 3.1, length, ClientHello (1)...
        client.Send([0x16, 0x03, 0x01, 0x00, 0xF1, 0x01, 0x00, 0x00, 0xED, 0x03, 0x03, .. new byte[40]]);

        var frames = await client.ExpectClosedAsync();
        Assert.Equal([$"ERR NOT_TCPCHAT * :{NotTls}", $"BYE :{NotTls}"], frames.Select(f => f.ToString()));
    }

    [Fact]
    public async Task RealTlsClientOnThePlainPortFailsAtOnceAndTheServerCountsIt()
    {
        await using var server = await InProcessServer.StartAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", server.Port);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);

        // The handshake fails on the server's plain HELLO; what matters is that it fails, and soon.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "localhost" }, timeout.Token));
        Assert.False(timeout.IsCancellationRequested, "the TLS handshake hung instead of failing");
        await ServerInsight.WaitUntilAsync(() => server.Guard().Metrics.ForeignProtocols.Total == 1, "the ClientHello to be recognized",
            () => $"{server.Guard().Metrics.ForeignProtocols.Total} foreign protocols seen");
    }

    [Fact]
    public async Task HttpArrivingOneByteAtATimeIsStillRecognized()
    {
        await using var server = await InProcessServer.StartAsync();
        var hub = server.Hub();
        await using var client = await server.ConnectAsync();
        await client.ExpectAsync("HELLO");
        long before = hub.Metrics.BytesIn.Total;
        byte[] request = "GET / HTTP/1.1\r\n"u8.ToArray();
        for (int i = 0; i < "GET".Length; i++)
        {
            client.Send(request[i..(i + 1)]);
            long expected = before + i + 1;
            // The server has read this byte once the counter moved: only then comes the next, in a read of its own.
            await ServerInsight.WaitUntilAsync(() => hub.Metrics.BytesIn.Total >= expected, $"the server to read byte {i}");
        }
        Assert.False(client.Closed); // "GET" may be a word typed in netcat: the server waits for the next byte
        client.Send(request[3..]);

        var frames = await client.ExpectClosedAsync();
        Assert.Equal($"ERR NOT_TCPCHAT * :{NotHttp}", frames[0].ToString());
    }

    [Theory]
    [InlineData("GET\n", "ERR UNKNOWN_VERB GET")] // a netcat user typing a word
    [InlineData("get / http/1.1\n", "ERR UNKNOWN_VERB GET")] // HTTP methods are upper case
    [InlineData("POSTMAN x\n", "ERR UNKNOWN_VERB POSTMAN")]
    [InlineData("Hostile\n", "ERR UNKNOWN_VERB HOSTILE")]
    [InlineData("PONG\n", null)]
    public async Task FirstLinesThatOnlyLookLikeHttpAreTcpChat(string line, string? answer)
    {
        await using var server = await InProcessServer.StartAsync();
        await using var client = await server.ConnectAsync();
        client.Send(line + "NICK still-here\n");
        if (answer is not null) Assert.StartsWith(answer, (await client.ExpectAsync("ERR")).ToString());
        await client.ExpectAsync("NICK * still-here");
    }

    [Fact]
    public async Task OnlyTheFirstLineIsLookedAt()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        alice.Send("GET / HTTP/1.1\nSEND #lobby :still here\n");
        Assert.StartsWith("ERR UNKNOWN_VERB GET", (await alice.ExpectAsync("ERR")).ToString());
        Assert.Equal("still here", (await alice.ExpectAsync("MSG")).Text);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", "Foreign", "HTTP")]
    [InlineData("GET ", "Foreign", "HTTP")]
    [InlineData("GET", "NeedMoreData", "")]
    [InlineData("G", "NeedMoreData", "")]
    [InlineData("P", "NeedMoreData", "")]
    [InlineData("PI", "TcpChat", "")]
    [InlineData("PO", "NeedMoreData", "")]
    [InlineData("PONG", "TcpChat", "")]
    [InlineData("PRI * HTTP/2.0", "Foreign", "HTTP")]
    [InlineData("hOsT: x", "Foreign", "HTTP")]
    [InlineData("NICK alice\n", "TcpChat", "")]
    [InlineData("GET\n", "TcpChat", "")]
    [InlineData("\n", "TcpChat", "")]
    [InlineData("", "NeedMoreData", "")]
    [InlineData("\u0016", "NeedMoreData", "")]
    [InlineData("\u0016\u0003", "Foreign", "TLS")]
    [InlineData("\u0016\u0004", "TcpChat", "")]
    public void FirstBytesAreJudgedAsSoonAsTheyCanBe(string start, string verdict, string name)
    {
        var expected = Enum.Parse<ForeignProtocol.Verdict>(verdict);
        byte[] bytes = Encoding.Latin1.GetBytes(start);
        Assert.Equal(expected, ForeignProtocol.Check(new ReadOnlySequence<byte>(bytes), completed: false, out string seen));
        Assert.Equal(name, seen);
        // Split anywhere, the verdict is the same.
        for (int split = 1; split < bytes.Length; split++)
            Assert.Equal(expected, ForeignProtocol.Check(Tests.Protocol.Sequences.SplitAt(bytes, split), completed: false, out _));
        // At the end of the stream, there is nothing more to wait for.
        var atEnd = ForeignProtocol.Check(new ReadOnlySequence<byte>(bytes), completed: true, out _);
        Assert.Equal(expected == ForeignProtocol.Verdict.NeedMoreData ? ForeignProtocol.Verdict.TcpChat : expected, atEnd);
    }
}
