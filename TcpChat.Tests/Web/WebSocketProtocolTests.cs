using System.Net.WebSockets;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Web;

/// <summary>The WebSocket speaks the TCP protocol: the same session, parser, limits and errors; one message, one frame.</summary>
public sealed class WebSocketProtocolTests
{
    [Fact]
    public async Task WebSocketClientGetsHelloAndRegistersAsOverTcp()
    {
        await using var server = await WebKit.StartAsync();
        await using var ws = await WsTestClient.ConnectAsync(server.WebPort);
        Assert.Equal("tcpchat.v1", ws.SubProtocol);
        var hello = await ws.ExpectAsync("HELLO");
        Assert.Equal(["tcpchat/1", "test", "max_line=4096", "max_payload=65536"], hello.Args.Take(4));
        await ws.SendAsync("NICK João\n");
        await ws.ExpectAsync("NICK * João");
        await ws.ExpectAsync("JOIN #lobby João");
        Assert.Equal("João", (await ws.ExpectAsync("NAMES #lobby")).Text);
        await ws.SendAsync("PING 42");
        await ws.ExpectAsync("PONG 42");
        Assert.Null(ws.ServerError);
    }

    [Fact]
    public async Task WebSocketAndTcpUsersChatBothWaysWithJoinAndQuitNotices()
    {
        await using var server = await WebKit.StartAsync();
        await using var tcp = await server.RegisterAsync("bob");
        await using var ws = await server.RegisterWsAsync("美咲");
        await tcp.ExpectAsync("JOIN #lobby 美咲");
        await ws.SendAsync("SEND #lobby :こんにちは 👍🏽");
        var heard = await tcp.ExpectAsync("MSG #lobby 美咲");
        Assert.Equal("こんにちは 👍🏽", heard.Text);
        tcp.Send("SEND #lobby :hi from nc\n");
        Assert.Equal("hi from nc", (await ws.ExpectAsync("MSG #lobby bob")).Text);
        await ws.SendAsync("QUIT :off to lunch");
        await ws.ExpectAsync("BYE :bye");
        Assert.Equal("off to lunch", (await tcp.ExpectAsync("QUIT 美咲")).Text);
        await ws.ExpectClosedAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, ws.CloseStatus);
        Assert.Null(ws.ServerError);
    }

    [Fact]
    public async Task WebSocketAndTcpSendersInOneRoomAreSeenInOneOrder()
    {
        await using var server = await WebKit.StartAsync();
        await using var tcp = await server.RegisterAsync("tcp");
        await using var ws = await server.RegisterWsAsync("web");
        await tcp.ExpectAsync("JOIN #lobby web");
        const int Each = 200;
        var sending = Task.Run(async () =>
        {
            for (int i = 0; i < Each; i++) await ws.SendAsync($"SEND #lobby :w{i}");
        });
        for (int i = 0; i < Each; i++) tcp.Send($"SEND #lobby :t{i}\n");
        await sending;
        async Task<List<string>> Messages(Func<Func<Received, bool>, string, Task<Received>> expect)
        {
            var order = new List<string>();
            for (int i = 0; i < 2 * Each; i++)
            {
                var msg = await expect(f => f.Verb == Verb.Msg, "MSG");
                order.Add($"{msg.Arg(2)} {msg.Arg(1)} {msg.Text}");
            }
            return order;
        }
        var seenByTcp = await Messages((m, w) => tcp.ExpectAsync(m, w));
        var seenByWs = await Messages((m, w) => ws.ExpectAsync(m, w));
        Assert.Equal(seenByTcp, seenByWs);
        // Ids 1..400 in that one order, and each sender's messages in the order it sent them.
        Assert.Equal(Enumerable.Range(1, 2 * Each).Select(i => i.ToString()), seenByTcp.Select(m => m.Split(' ')[0]));
        Assert.Equal(Enumerable.Range(0, Each).Select(i => $"w{i}"), seenByTcp.Where(m => m.Contains(" web ")).Select(m => m.Split(' ')[2]));
        Assert.Null(ws.ServerError);
    }

    [Fact]
    public async Task EachFrameTheServerWritesIsOneMessage()
    {
        await using var server = await WebKit.StartAsync();
        await using var ws = await server.RegisterWsAsync("alice");
        // A multi-line text in the length form, as the page sends it; then frames that come in one batch (a JOIN's
        // JOIN, NAMES and HISTORY): each arrives as a message of its own, parsed whole (WsTestClient checks).
        await ws.SendAsync("SEND #lobby 11\nhello\nworld\n");
        Assert.Equal("hello\nworld", (await ws.ExpectAsync("MSG #lobby alice")).Text);
        await ws.SendAsync("JOIN #rust");
        await ws.ExpectAsync("JOIN #rust alice");
        await ws.ExpectAsync("NAMES #rust");
        await ws.ExpectAsync("HISTORY #rust 0");
        Assert.Null(ws.ServerError);
    }

    [Fact]
    public async Task AMessageWithoutItsFinalLineFeedIsOneFrame()
    {
        await using var server = await WebKit.StartAsync();
        await using var ws = await server.RegisterWsAsync("alice");
        await ws.SendAsync("SEND #lobby :no newline");
        Assert.Equal("no newline", (await ws.ExpectAsync("MSG #lobby alice")).Text);
        await ws.SendAsync("SEND #lobby 5\nhello");
        Assert.Equal("hello", (await ws.ExpectAsync("MSG #lobby alice")).Text);
        await ws.SendAsync("SEND #lobby :crlf\r\n");
        Assert.Equal("crlf", (await ws.ExpectAsync("MSG #lobby alice")).Text);
    }

    [Fact]
    public async Task ABadFrameGetsErrAndTheSessionGoesOn()
    {
        await using var server = await WebKit.StartAsync();
        await using var ws = await server.RegisterWsAsync("alice");
        await ws.SendAsync("SEND #lobby hello");
        var error = await ws.ExpectAsync("ERR BAD_FRAME SEND");
        await ws.SendAsync("FROB x");
        await ws.ExpectAsync("ERR UNKNOWN_VERB FROB");
        await ws.SendAsync("SEND #lobby :\u001b[31mred");
        await ws.ExpectAsync("ERR BAD_TEXT SEND");
        await ws.SendAsync("PING still-here");
        await ws.ExpectAsync("PONG still-here");
        Assert.False(ws.Closed);
    }

    [Fact]
    public async Task AFatalFrameErrorSendsErrAndByeThenACloseFrame()
    {
        await using var server = await WebKit.StartAsync();
        await using var tcp = await server.RegisterAsync("bob");
        await using var ws = await server.RegisterWsAsync("alice");
        await ws.SendAsync("SEND #lobby -5\n");
        var rest = await ws.ExpectClosedAsync();
        Assert.Equal(["ERR BAD_FRAME", "BYE"], rest.Select(f => f.ToString()).Select(s => s.StartsWith("ERR BAD_FRAME") ? "ERR BAD_FRAME" : s.Split(' ')[0]));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, ws.CloseStatus);
        Assert.Equal(rest[^1].Text, ws.CloseReason);
        Assert.Equal("protocol error", (await tcp.ExpectAsync("QUIT alice")).Text);
    }

    [Fact]
    public async Task AControlLineOverMaxLineGetsTooLongAndClose1009()
    {
        await using var server = await WebKit.StartAsync("--max-line", "256");
        await using var ws = await server.RegisterWsAsync("alice");
        await ws.SendAsync("SEND #lobby :" + new string('a', 300));
        var rest = await ws.ExpectClosedAsync();
        Assert.StartsWith("ERR TOO_LONG", rest[0].ToString());
        Assert.Equal(Verb.Bye, rest[1].Verb);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, ws.CloseStatus);
    }

    [Fact]
    public async Task AMessageOverMaxLinePlusMaxPayloadIsNeverReadAndCloses1009()
    {
        // One message: a whole valid frame at the largest size, then more frames. The message is over the limit
        // (256 + 1024 + 4 bytes), so none of it is read: the MSG is never sent.
        await using var server = await WebKit.StartAsync("--max-line", "256", "--max-payload", "1024");
        await using var tcp = await server.RegisterAsync("bob");
        await using var ws = await server.RegisterWsAsync("alice");
        await tcp.ExpectAsync("JOIN #lobby alice");
        string frame = "SEND #lobby 1024\n" + new string('a', 1024) + "\n";
        await ws.SendAsync(frame + string.Concat(Enumerable.Repeat("PING x\n", 40)));
        var rest = await ws.ExpectClosedAsync();
        Assert.Equal(["ERR TOO_LONG", "BYE"], rest.Select(f => f.Verb == Verb.Err ? "ERR " + f.Arg(0) : f.Verb.ToWire()));
        Assert.Contains("at most 1284 bytes", rest[0].Text);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, ws.CloseStatus);
        Assert.Equal("protocol error", (await tcp.ExpectAsync("QUIT alice")).Text);
        Assert.DoesNotContain(tcp.Seen, f => f.Verb == Verb.Msg);
        // The largest message allowed goes through.
        await using var carol = await server.RegisterWsAsync("carol");
        await carol.SendAsync(frame);
        Assert.Equal(1024, (await tcp.ExpectAsync("MSG #lobby carol")).Text!.Length);
    }

    [Fact]
    public async Task ABinaryMessageIsReadAsTheSameBytes()
    {
        await using var server = await WebKit.StartAsync();
        await using var ws = await server.RegisterWsAsync("alice");
        await ws.SendAsync(System.Text.Encoding.UTF8.GetBytes("SEND #lobby :binary\n"), WebSocketMessageType.Binary);
        Assert.Equal("binary", (await ws.ExpectAsync("MSG #lobby alice")).Text);
    }

    [Fact]
    public async Task AClientWithoutTheSubprotocolIsServedToo()
    {
        await using var server = await WebKit.StartAsync();
        await using var ws = await WsTestClient.ConnectAsync(server.WebPort, subProtocol: null);
        Assert.True(string.IsNullOrEmpty(ws.SubProtocol));
        await ws.ExpectAsync("HELLO");
    }

    [Fact]
    public async Task ClosingTheWebSocketIsADroppedConnection()
    {
        await using var server = await WebKit.StartAsync();
        await using var tcp = await server.RegisterAsync("bob");
        var ws = await server.RegisterWsAsync("alice");
        await tcp.ExpectAsync("JOIN #lobby alice");
        ws.Abort();
        Assert.Equal("connection closed", (await tcp.ExpectAsync("QUIT alice")).Text);
        await ws.DisposeAsync();
    }

    [Fact]
    public async Task ShutdownSendsErrAndByeThenClose1001()
    {
        var server = await WebKit.StartAsync();
        await using var ws = await server.RegisterWsAsync("alice");
        await server.StopAsync();
        var rest = await ws.ExpectClosedAsync();
        Assert.Equal(["ERR SHUTDOWN * :server shutting down", "BYE :server shutting down"], rest.Select(f => f.ToString()));
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, ws.CloseStatus);
        Assert.Equal("server shutting down", ws.CloseReason);
        await server.DisposeAsync();
    }
}
