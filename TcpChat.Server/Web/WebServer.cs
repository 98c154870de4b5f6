using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using TcpChat.Server.Chat;
using TcpChat.Server.Hosting;

namespace TcpChat.Server.Web;

/// <summary>
/// The web port (Web:Port), off unless given: the page (<c>/</c>), the WebSocket (<c>/ws</c>, a way to get a session
/// like the TCP port), <c>/healthz</c> and <c>/metrics</c>. Kestrel in a web host of its own, inside the server's: it
/// starts before the chat listener and stops after it, so that the listener's shutdown says BYE to WebSocket sessions
/// too before the port closes.
/// </summary>
internal sealed class WebServer(
    ChatListener listener,
    ChatHub hub,
    IOptions<WebOptions> webOptions,
    IOptions<ChatOptions> chatOptions,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime) : IHostedService
{
    /// <summary>
    /// The page may load its own files and open its own WebSocket, nothing else: no inline script, no other site, not
    /// inside a frame. ('self' covers ws: and wss: to the page's own host and port.)
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly WebOptions _web = webOptions.Value;
    private readonly ChatOptions _chat = chatOptions.Value;
    private readonly ILogger _log = loggers.CreateLogger("TcpChat.Server.Web");
    private OriginRule? _origins;
    private AddressRule? _metricsRule;
    private PageFiles? _files;
    private WebApplication? _app;

    /// <summary>Where the web port listens, once started (with port 0, the port picked); null when there is none.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    private bool Secure => _chat.Tls || _chat.TlsPort > 0;

    /// <summary>A WebSocket message holds one frame: a control line and a text at their largest, and two CR LFs.</summary>
    public int MaxMessageBytes => _chat.MaxLine + _chat.MaxPayload + 4;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_web.Port is not { } port) return;
        OriginRule.TryParse(_web.AllowedOrigins, out _origins, out _); // validated at start
        AddressRule.TryParse(_chat.StatsAllowedFrom, out _metricsRule, out _);
        WebOptions.TryParseProxies(_web.TrustedProxies, out var proxies, out _);
        _files = PageFiles.Load();
        var metrics = new PrometheusMetrics(hub);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        builder.Services.AddSingleton(loggers); // the server's log, with its settings
        builder.WebHost.UseKestrelCore();
        // Kestrel takes the last transport registered: the sockets, behind the listener's slots.
        builder.Services.AddSingleton<IConnectionListenerFactory>(services => new SlottedListenerFactory(
            ActivatorUtilities.CreateInstance<SocketTransportFactory>(services), listener));
        if (Secure) builder.WebHost.UseKestrelHttpsConfiguration();
        var certificate = Secure ? _chat.LoadCertificate() : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = _chat.MaxConnections;
            kestrel.Listen(IPAddress.Parse(_chat.Bind), port, listen =>
            {
                // Each of Kestrel's connections holds one of the listener's socket slots (SlottedListenerFactory takes
                // it before the accept): given back here, once Kestrel is done with the connection.
                listen.Use(next => async connection =>
                {
                    try { await next(connection); }
                    finally { listener.Slots.Release(); }
                });
                if (certificate is not null) listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();

        if (proxies.Count > 0)
        {
            // Believed only from the listed proxies: by default ASP.NET Core trusts loopback, which is cleared here.
            var forwarded = new ForwardedHeadersOptions
            {
                ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
                ForwardLimit = null, // every hop that is a listed proxy, from the nearest
            };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in proxies) forwarded.KnownIPNetworks.Add(network);
            app.UseForwardedHeaders(forwarded);
        }
        app.Use(SecurityHeaders);
        app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(_web.PingSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(_web.PingSeconds),
        });
        app.Map("/metrics", branch =>
        {
            branch.Use(MetricsAllowed);
            branch.UseMetricServer(url: null, registry: metrics.Registry);
        });
        app.Run(HandleAsync);

        await app.StartAsync(cancellationToken);
        _app = app;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        LocalEndPoint = new IPEndPoint(IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port);
        _log.LogInformation("Web page and WebSocket on {Address}/ (/ws, /healthz, /metrics)", address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null) return;
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }

    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }

    /// <summary>/metrics answers the addresses STATS answers (Chat:StatsAllowedFrom), and no one else.</summary>
    private Task MetricsAllowed(HttpContext context, RequestDelegate next)
    {
        if (_metricsRule!.Allows(context.Connection.RemoteIpAddress)) return next(context);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsync($"/metrics is allowed from {_chat.StatsAllowedFrom} only\n");
    }

    private Task HandleAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "/";
        if (path == "/ws") return WebSocketAsync(context);
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }
        if (path == "/healthz") return HealthAsync(context);
        if (_files!.TryGet(path, out var file)) return PageAsync(context, file);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>200 while the server accepts connections; 503 before and while it shuts down.</summary>
    private Task HealthAsync(HttpContext context)
    {
        bool healthy = listener.IsAccepting && !lifetime.ApplicationStopping.IsCancellationRequested;
        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(healthy ? "ok\n" : "shutting down\n");
    }

    private static Task PageAsync(HttpContext context, PageFile file)
    {
        var response = context.Response;
        response.Headers.ETag = file.ETag;
        response.Headers.CacheControl = "no-cache"; // revalidated each time: an upgraded server serves its own page
        if (context.Request.Headers.IfNoneMatch == file.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = file.ContentType;
        response.ContentLength = file.Bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(file.Bytes).AsTask();
    }

    /// <summary>
    /// The WebSocket: a browser's Origin must be allowed (403 and nothing else otherwise), then the connection becomes a
    /// session like a TCP one, counted against the client's own address (or, behind a trusted proxy, the address it
    /// forwarded). The request lasts as long as the session.
    /// </summary>
    private async Task WebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"/ws is a WebSocket (subprotocol {WebSocketConnection.SubProtocol}): see docs/PROTOCOL.md\n");
            return;
        }
        string? origin = context.Request.Headers.Origin;
        if (!_origins!.Allows(origin, $"{context.Request.Scheme}://{context.Request.Host}"))
        {
            _log.LogInformation("WebSocket from {Remote} refused: origin {Origin} is not allowed", context.Connection.RemoteIpAddress, origin);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        bool asked = context.WebSockets.WebSocketRequestedProtocols.Contains(WebSocketConnection.SubProtocol);
        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = asked ? WebSocketConnection.SubProtocol : null,
            DangerousEnableCompression = false,
            KeepAliveInterval = TimeSpan.FromSeconds(_web.PingSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(_web.PingSeconds),
        });
        var remote = context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort) : null;
        var connection = new WebSocketConnection(socket, remote, context.Request.IsHttps, MaxMessageBytes);
        await listener.ServeAsync(connection);
        try { await connection.Completion; }
        catch (Exception e) { _log.LogDebug(e, "WebSocket from {Remote} ended with an error", remote); }
    }
}
