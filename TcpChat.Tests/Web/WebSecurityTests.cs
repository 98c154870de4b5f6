using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TcpChat.Protocol;
using TcpChat.Server;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Web;

/// <summary>The web port's defences, each crossed: Origin, headers, per-address limits, proxies, message size, pings.</summary>
public sealed class WebSecurityTests
{
    private static readonly HttpClient Http = new() { Timeout = TestClient.Timeout };

    [Fact]
    public async Task AWebSocketFromAnotherSitesPageIsRefusedWith403AndNothingElse()
    {
        await using var server = await WebKit.StartAsync();
        using var ws = await RawWebSocket.ConnectAsync(server.WebPort, origin: "http://evil.example");
        Assert.Equal(403, ws.Status);
        Assert.Matches(new Regex(@"(?im)^Content-Length: 0\r$"), ws.Head);
        Assert.Equal(0, server.Hub().Metrics.ConnectionsTotal.Total);
    }

    [Fact]
    public async Task TheServersOwnOriginAndAClientWithoutOriginAreLetIn()
    {
        await using var server = await WebKit.StartAsync();
        await using var browser = await WsTestClient.ConnectAsync(server.WebPort, origin: $"http://127.0.0.1:{server.WebPort}");
        await browser.ExpectAsync("HELLO");
        await using var script = await WsTestClient.ConnectAsync(server.WebPort, origin: null);
        await script.ExpectAsync("HELLO");
    }

    [Fact]
    public async Task OnlyTheListedOriginsAreLetInWhenAllowedOriginsIsSet()
    {
        await using var server = await WebKit.StartAsync("--web-allowed-origins", "https://chat.example.org, http://localhost:3000");
        await using var listed = await WsTestClient.ConnectAsync(server.WebPort, origin: "https://CHAT.example.org:443");
        await listed.ExpectAsync("HELLO");
        using var self = await RawWebSocket.ConnectAsync(server.WebPort, origin: $"http://127.0.0.1:{server.WebPort}");
        Assert.Equal(403, self.Status);
        using var sandboxed = await RawWebSocket.ConnectAsync(server.WebPort, origin: "null");
        Assert.Equal(403, sandboxed.Status);
    }

    [Fact]
    public async Task ThePageIsServedWithItsSecurityHeadersAndLoadsNothingFromElsewhere()
    {
        await using var server = await WebKit.StartAsync();
        var files = new Dictionary<string, string>();
        foreach (string path in new[] { "/", "/app.js", "/app.css" })
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{server.WebPort}{path}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            string csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'self'", csp);
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.DoesNotContain("unsafe-inline", csp);
            files[path] = await response.Content.ReadAsStringAsync();
        }
        Assert.Equal("text/html; charset=utf-8", (await Http.GetAsync($"http://127.0.0.1:{server.WebPort}/")).Content.Headers.ContentType!.ToString());
        // No inline script or style (the policy would block them anyway), no file from another site.
        Assert.DoesNotMatch(new Regex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase), files["/"]);
        Assert.DoesNotMatch(new Regex(@"\sstyle=|\son\w+=", RegexOptions.IgnoreCase), files["/"]);
        foreach (var (path, text) in files) Assert.False(Regex.IsMatch(text, @"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", RegexOptions.IgnoreCase), $"{path} names another site");
        // The script never turns text into HTML.
        Assert.DoesNotMatch(new Regex(@"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"), files["/app.js"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"http://127.0.0.1:{server.WebPort}/nothing-here")).StatusCode);
    }

    [Fact]
    public async Task PerAddressLimitsCountTheBrowsersAddress()
    {
        await using var server = await WebKit.StartAsync("--max-connections-per-address", "2");
        await using var tcp = await server.ConnectAsync();
        await tcp.ExpectAsync("HELLO");
        await using var first = await WsTestClient.ConnectAsync(server.WebPort);
        await first.ExpectAsync("HELLO");
        await using var second = await WsTestClient.ConnectAsync(server.WebPort);
        var refused = await second.ExpectClosedAsync();
        Assert.Equal(["ERR TOO_MANY_CONNECTIONS * :too many connections from 127.0.0.1: at most 2 at once",
            "BYE :too many connections from 127.0.0.1: at most 2 at once"], refused.Select(f => f.ToString()));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, second.CloseStatus);
    }

    [Fact]
    public async Task ForwardedForIsBelievedOnlyFromTrustedProxies()
    {
        var from = (string address) => new Dictionary<string, string> { ["X-Forwarded-For"] = address };
        await using (var server = await WebKit.StartAsync("--max-connections-per-address", "1"))
        {
            // Not a trusted proxy: both count as 127.0.0.1, whatever they say.
            await using var one = await WsTestClient.ConnectAsync(server.WebPort, headers: from("203.0.113.1"));
            await one.ExpectAsync("HELLO");
            await using var two = await WsTestClient.ConnectAsync(server.WebPort, headers: from("203.0.113.2"));
            Assert.Contains("too many connections from 127.0.0.1", (await two.ExpectAsync("ERR TOO_MANY_CONNECTIONS")).Text);
        }
        await using (var server = await WebKit.StartAsync("--max-connections-per-address", "1", "--web-trusted-proxies", "127.0.0.1"))
        {
            await using var one = await WsTestClient.ConnectAsync(server.WebPort, headers: from("203.0.113.1"));
            await one.ExpectAsync("HELLO");
            await using var two = await WsTestClient.ConnectAsync(server.WebPort, headers: from("203.0.113.2"));
            await two.ExpectAsync("HELLO");
            await using var three = await WsTestClient.ConnectAsync(server.WebPort, headers: from("198.51.100.9, 203.0.113.1"));
            Assert.Contains("too many connections from 203.0.113.1", (await three.ExpectAsync("ERR TOO_MANY_CONNECTIONS")).Text);
            // STATS answers loopback only: a browser behind the proxy is not loopback.
            await one.SendAsync("STATS");
            await one.ExpectAsync("ERR NOT_ALLOWED STATS");
        }
    }

    [Fact]
    public async Task MetricsGiveEveryStatsCounterInPrometheusFormatToTheStatsAddressesOnly()
    {
        await using var server = await WebKit.StartAsync("--web-trusted-proxies", "127.0.0.1");
        await using var alice = await server.RegisterWsAsync("alice");
        await alice.SendAsync("STATS");
        string stats = (await alice.ExpectAsync("STATS")).Text!;
        using var response = await Http.GetAsync($"http://127.0.0.1:{server.WebPort}/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        string metrics = await response.Content.ReadAsStringAsync();
        foreach (string line in stats.Split('\n'))
        {
            string name = line.Split(' ')[0];
            string metric = TcpChat.Server.Web.PrometheusMetrics.NameOf(name);
            Assert.Matches(new Regex($@"(?m)^# TYPE {metric} (counter|gauge)$"), metrics);
            Assert.Matches(new Regex($@"(?m)^{metric} \d"), metrics);
        }
        Assert.Matches(new Regex(@"(?m)^tcpchat_connections 1$"), metrics);
        Assert.Matches(new Regex(@"(?m)^tcpchat_frames_in_total [1-9]"), metrics);
        // From behind the proxy, a browser's address is not loopback.
        using var forwarded = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.WebPort}/metrics");
        forwarded.Headers.Add("X-Forwarded-For", "203.0.113.7");
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.SendAsync(forwarded)).StatusCode);

        await using var closed = await WebKit.StartAsync("--stats-allowed-from", "10.0.0.0/8");
        Assert.Equal(HttpStatusCode.Forbidden, (await Http.GetAsync($"http://127.0.0.1:{closed.WebPort}/metrics")).StatusCode);
    }

    [Fact]
    public async Task HealthzIs200WhileTheServerAcceptsAnd503WhileItShutsDown()
    {
        var gate = new StopGate();
        var server = await InProcessServer.StartAsync(services => services.AddHostedService(_ => gate), "--web-port", "0", "--no-history");
        string url = $"http://127.0.0.1:{server.WebPort}/healthz";
        using (var up = await Http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
            Assert.Equal("ok\n", await up.Content.ReadAsStringAsync());
        }
        // The gate is stopped first (it was added last) and holds the shutdown there, with the web port still open.
        var stopping = server.StopAsync();
        await gate.Reached.Task.WaitAsync(TestClient.Timeout);
        using (var down = await Http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("shutting down\n", await down.Content.ReadAsStringAsync());
        }
        gate.Release.SetResult();
        await stopping;
        await server.DisposeAsync();
    }

    [Fact]
    public async Task WebSocketPingsGoOutAndABrowserThatNeverAnswersIsCut()
    {
        // 3 s, not 1: the silent browser must register (and bob see it join) before it is cut, about 6 s in.
        await using var server = await WebKit.StartAsync("--web-ping", "3");
        await using var bob = await server.RegisterAsync("bob");
        using var ws = await RawWebSocket.ConnectAsync(server.WebPort);
        Assert.Equal(101, ws.Status);
        await ws.SendTextAsync("NICK silent");
        await bob.ExpectAsync("JOIN #lobby silent");
        // It reads what comes but never answers a ping: the server's pings come, then it cuts the connection.
        int pings = 0;
        while (await ws.ReadFrameAsync() is { } frame)
            if (frame.Opcode == RawWebSocket.Ping) pings++;
        Assert.True(pings >= 1, "no WebSocket ping came");
        Assert.Equal("connection closed", (await bob.ExpectAsync("QUIT silent")).Text);
    }

    [Fact]
    public async Task AnsweredPingsKeepAQuietWebSocketOpen()
    {
        // A ping every 3 s, and 3 s for each answer: a loaded machine has time to answer, and a browser that did not
        // would be cut about 6 s in. 10 s of quiet is several ping periods and well past that.
        await using var server = await WebKit.StartAsync("--web-ping", "3");
        await using var ws = await WsTestClient.ConnectAsync(server.WebPort); // .NET's client answers pings itself
        await ws.ExpectAsync("HELLO");
        await ws.SendAsync("NICK quiet");
        await ws.ExpectAsync("HISTORY #lobby");
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        while (quiet.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(500); // the quiet is the behaviour under test
        await ws.SendAsync("PING 1");
        await ws.ExpectAsync("PONG 1");
    }

    [Fact]
    public async Task ASlowWebSocketReaderIsCutAsASlowConsumerWithoutHurtingTheRoom()
    {
        // The default outbox (1 MiB: the sender's own echoes of a burst fit), and a short write deadline: 5 s, not 2, so
        // that the sender and the reader, who do read, are not cut themselves when a loaded machine holds them up.
        await using var server = await WebKit.StartAsync("--max-line", "512", "--write-timeout", "5");
        await using var sender = await server.RegisterAsync("sender");
        await using var reader = await server.RegisterWsAsync("reader");
        using var slow = await RawWebSocket.ConnectAsync(server.WebPort, receiveBuffer: 4096);
        await slow.SendTextAsync("NICK slowpoke");
        await sender.ExpectAsync("JOIN #lobby slowpoke");
        string text = new('x', 400); // inline text counts toward max_line
        int sent = 0;
        // Send until the server gives up on slowpoke, who reads nothing; bounded.
        while (!sender.Seen.Any(f => f.ToString().StartsWith("QUIT slowpoke")) && sent < 20_000)
        {
            for (int i = 0; i < 100; i++) sender.Send($"SEND #lobby :{sent + i} {text}\n");
            sent += 100;
            await sender.ExpectAsync(f => f.Verb == Verb.Msg && f.Text!.StartsWith($"{sent - 1} "), "own echo");
        }
        var quit = sender.Seen.FirstOrDefault(f => f.ToString().StartsWith("QUIT slowpoke"));
        Assert.True(quit is not null, $"slowpoke was not cut after {sent} messages");
        Assert.Equal("slow consumer", quit.Text);
        // The reader that reads got every message, in order, and is still there.
        for (int i = 0; i < sent; i++)
            await reader.ExpectAsync(f => f.Verb == Verb.Msg && f.Text!.StartsWith($"{i} "), $"message {i}");
        await reader.SendAsync("PING still");
        await reader.ExpectAsync("PONG still");
        Assert.True(server.Hub().Metrics.SlowConsumers.Total >= 1);
    }

    [Fact]
    public async Task TheWebPortSpeaksHttpsAndWssWhenTlsIsOn()
    {
        using var certificate = new TestCertificate();
        await using var server = await WebKit.StartAsync("--tls", "--tls-cert", certificate.CertificatePath, "--tls-key", certificate.KeyPath);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var https = new HttpClient(handler);
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync($"https://127.0.0.1:{server.WebPort}/healthz")).StatusCode);
        await using var ws = await WsTestClient.ConnectAsync(server.WebPort, scheme: "wss", trustAnyCertificate: true);
        await ws.ExpectAsync("HELLO");
    }

    [Fact]
    public async Task TheWebPortIsOffUnlessAPortIsGiven()
    {
        await using var server = await InProcessServer.StartAsync("--no-history");
        Assert.Equal(0, server.WebPort);
    }

    [Theory]
    [InlineData("--web-allowed-origins", "ftp://chat.example.org", "Web:AllowedOrigins")]
    [InlineData("--web-allowed-origins", "https://chat.example.org/path", "Web:AllowedOrigins")]
    [InlineData("--web-trusted-proxies", "proxy.example.org", "Web:TrustedProxies")]
    [InlineData("--web-port", "70000", "Web:Port")]
    [InlineData("--web-ping", "0", "Web:PingSeconds")]
    public void ABadWebSettingIsNamedAtStart(string flag, string value, string named)
    {
        using var host = ServerHost.Build(["--no-history", flag, value]);
        Assert.Contains(ServerHost.Problems(host), p => p.StartsWith(named, StringComparison.Ordinal));
    }

    /// <summary>A hosted service whose stop waits until the test says so.</summary>
    private sealed class StopGate : IHostedService
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            Reached.TrySetResult();
            await Release.Task;
        }
    }
}
