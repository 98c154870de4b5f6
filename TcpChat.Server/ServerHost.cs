using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TcpChat.Server.Chat;
using TcpChat.Server.Hosting;
using TcpChat.Server.History;
using TcpChat.Server.Security;
using TcpChat.Server.Web;

namespace TcpChat.Server;

/// <summary>Builds and runs the server's Generic Host. Tests build it in-process with the same code.</summary>
public static class ServerHost
{
    /// <summary>Friendly command-line flags, each a name for a key of the "Chat", "History", "Security" or "Web" section.</summary>
    public static readonly IReadOnlyDictionary<string, (string Key, string Help)> Flags = new Dictionary<string, (string, string)>
    {
        ["--port"] = ("Chat:Port", "TCP port to listen on; 0 picks a free one"),
        ["--bind"] = ("Chat:Bind", "address to listen on (0.0.0.0, ::, 127.0.0.1)"),
        ["--server-name"] = ("Chat:ServerName", "name given in HELLO"),
        ["--max-line"] = ("Chat:MaxLine", "largest control line from a client, bytes"),
        ["--max-payload"] = ("Chat:MaxPayload", "largest text from a client, bytes"),
        ["--ping"] = ("Chat:PingSeconds", "PING a client silent this long; close it after twice"),
        ["--default-room"] = ("Chat:DefaultRoom", "room joined on registering; empty for none"),
        ["--outbox-bytes"] = ("Chat:OutboxBytes", "bytes queued for a client before it is a slow consumer"),
        ["--outbox-total-bytes"] = ("Chat:OutboxTotalBytes", "bytes queued for all clients together; past it the biggest holders are cut as slow consumers"),
        ["--big-room-members"] = ("Chat:BigRoomMembers", "above this many members a room sends MEMBERS counts, not JOIN/PART/QUIT, and pages NAMES"),
        ["--member-count-seconds"] = ("Chat:MemberCountSeconds", "seconds between two MEMBERS counts of a big room"),
        ["--names-page"] = ("Chat:NamesPage", "most nicks in one NAMES answer about a big room"),
        ["--close-timeout"] = ("Chat:CloseTimeoutSeconds", "seconds the last frames of a closing connection may take"),
        ["--write-timeout"] = ("Chat:WriteTimeoutSeconds", "seconds a write to a client may take before it is a slow consumer"),
        ["--trim-memory-after"] = ("Chat:TrimMemoryAfterSeconds", "after a burst of 1,000+ connections or disconnections, seconds without one before memory is given back; 0: never"),
        ["--trim-memory-max-frames"] = ("Chat:TrimMemoryMaxFramesPerSecond", "a due memory trim waits while the server writes more frames a second than this; 0: it does not wait"),
        ["--trim-memory-max-wait"] = ("Chat:TrimMemoryMaxWaitSeconds", "seconds a due memory trim waits for quieter traffic at most; then it runs anyway"),
        ["--max-rooms-per-user"] = ("Chat:MaxRoomsPerUser", "rooms one connection may be in"),
        ["--max-connections"] = ("Chat:MaxConnections", "connections held at once (also capped by the open-file limit, see --reserved-descriptors)"),
        ["--reserved-descriptors"] = ("Chat:ReservedDescriptors", "open files kept free for the server itself when the open-file limit (ulimit -n) caps connections"),
        [TlsFlag] = ("Chat:Tls", "the main port speaks TLS (a switch: Chat:Tls=true); needs --tls-cert and --tls-key"),
        ["--tls-port"] = ("Chat:TlsPort", "a second port that speaks TLS; 0 for none"),
        ["--tls-cert"] = ("Chat:TlsCertificate", "the server's certificate, PEM file"),
        ["--tls-key"] = ("Chat:TlsKey", "the certificate's private key, PEM file"),
        ["--tls-handshake-seconds"] = ("Chat:TlsHandshakeSeconds", "seconds a TLS client gets for its handshake"),
        ["--inline-socket-completions"] = ("Chat:InlineSocketCompletions", "run socket continuations on the I/O threads, not the thread pool: true, false, or auto (true with --no-history)"),
        ["--stats-allowed-from"] = ("Chat:StatsAllowedFrom", "who may ask for STATS: loopback, any, addresses, networks (comma-separated)"),
        [ConfigFlag] = ("(file)", "a JSON settings file read after appsettings.json, before the environment"),
        ["--shutdown-seconds"] = ("Chat:ShutdownSeconds", "seconds given to say BYE on SIGTERM / Ctrl+C"),
        ["--data-dir"] = ("History:DataDirectory", "directory of tcpchat.db, the history; empty: $STATE_DIRECTORY, else ./data"),
        [NoHistoryFlag] = ("History:Enabled", "keep history in memory only, lost on restart (a switch: History:Enabled=false)"),
        ["--history-on-join"] = ("History:OnJoin", "messages of a room a joiner gets after NAMES; 0 for none"),
        ["--history-max-page"] = ("History:MaxPage", "most messages in one HISTORY answer (HELLO history=)"),
        ["--history-max-age-days"] = ("History:MaxAgeDays", "messages older than this many days are pruned"),
        ["--history-max-per-target"] = ("History:MaxPerTarget", "messages kept per room or private conversation"),
        ["--history-prune-interval"] = ("History:PruneIntervalSeconds", "seconds between two prunings of history"),
        ["--registration-timeout"] = ("Security:RegistrationTimeoutSeconds", "seconds a new connection has to register (NICK)"),
        ["--unregistered-max-line"] = ("Security:UnregisteredMaxLine", "largest control line before NICK, bytes"),
        ["--unregistered-max-payload"] = ("Security:UnregisteredMaxPayload", "largest text before NICK, bytes"),
        ["--flood-burst"] = ("Security:FloodBurst", "frames a client may send at once before flood control holds it back"),
        ["--flood-rate"] = ("Security:FloodRate", "frames a second a client may send in the long run"),
        ["--flood-max-lag"] = ("Security:FloodMaxLagSeconds", "seconds held back without a break before a flooder is closed"),
        ["--max-connections-per-address"] = ("Security:MaxConnectionsPerAddress", "connections at once from one IPv4 address or IPv6 /64"),
        ["--server-password"] = ("Security:ServerPassword", "password (PASS) every client must give; empty for none. Visible in ps: prefer Security__ServerPassword"),
        ["--max-password-failures"] = ("Security:MaxPasswordFailures", "wrong passwords one connection may give"),
        ["--max-password-failures-per-address"] = ("Security:MaxPasswordFailuresPerAddress", "wrong passwords from one address before its passwords are refused"),
        ["--password-failure-forgiven"] = ("Security:PasswordFailureForgivenSeconds", "seconds after which one wrong password of an address is forgotten"),
        ["--max-new-accounts-per-address"] = ("Security:MaxNewAccountsPerAddressPerHour", "nicks one address may register in an hour"),
        ["--password-failure-delay"] = ("Security:PasswordFailureDelaySeconds", "seconds the answer to a wrong password is held back"),
        ["--web-port"] = ("Web:Port", "HTTP port for the web page, the WebSocket /ws, /healthz and /metrics (HTTPS with TLS on); 0 picks a free one"),
        ["--web-allowed-origins"] = ("Web:AllowedOrigins", "pages that may open the WebSocket: self, any, or origins such as https://chat.example.org (comma-separated)"),
        ["--web-trusted-proxies"] = ("Web:TrustedProxies", "reverse proxies whose X-Forwarded-For/-Proto are believed: addresses, networks (comma-separated)"),
        ["--web-ping"] = ("Web:PingSeconds", "seconds between WebSocket pings; a browser that does not answer within as long is cut"),
        ["--cluster"] = ("Cluster:Nats", "run as a node of a cluster on NATS JetStream: nats://host:port URLs, comma-separated; empty: one server with SQLite"),
        ["--node-name"] = ("Cluster:NodeName", "this node's name in the cluster, unique: letters, digits, - and _"),
        ["--cluster-replicas"] = ("Cluster:Replicas", "copies the engine keeps of the stream and buckets: 1, or 3 on a 3-server NATS cluster"),
        ["--node-timeout"] = ("Cluster:NodeTimeoutSeconds", "a node not heard of this long is lost: its users QUIT with 'node lost'"),
        ["--engine-timeout"] = ("Cluster:EngineTimeoutSeconds", "seconds cut off from the engine before this node closes its sessions (ERR SHUTDOWN)"),
    };

    /// <summary>A switch: the main port speaks TLS.</summary>
    public const string TlsFlag = "--tls";

    /// <summary>The one flag that takes no value.</summary>
    public const string NoHistoryFlag = "--no-history";

    /// <param name="services">Changes to the services after the server's own, e.g. a test's clock.</param>
    public static IHost Build(string[] args, Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [], // parsed below, with the friendly flags
        });
        args = args.Select(a => a switch { NoHistoryFlag => "--History:Enabled=false", TlsFlag => "--Chat:Tls=true", _ => a }).ToArray();
        AddSettingsFile(builder.Configuration, args);
        builder.Configuration.AddCommandLine(args,
            Flags.Where(f => f.Key is not (NoHistoryFlag or ConfigFlag or TlsFlag)).ToDictionary(f => f.Key, f => f.Value.Key)
                .Append(new(ConfigFlag, "SettingsFile")).ToDictionary());
        configure?.Invoke(builder.Configuration);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        // Under systemd (its parent process is systemd): the library's lifetime sends READY=1 once the host has started
        // and STOPPING=1 on shutdown, and switches the console log to the systemd format ("<6>" priority prefixes,
        // no timestamps: journald adds its own). Elsewhere it does nothing and the simple format above stays.
        builder.Services.AddSystemd();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton<FatalFailure>();
        builder.Services.AddOptions<ChatOptions>().Bind(builder.Configuration.GetSection(ChatOptions.Section));
        builder.Services.Configure<HostOptions>(o =>
        {
            double seconds = builder.Configuration.GetValue(ChatOptions.Section + ":ShutdownSeconds", 5.0);
            o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Clamp(seconds, 0.1, 600) + 2);
        });
        builder.Services.AddOptions<HistoryOptions>().Bind(builder.Configuration.GetSection(HistoryOptions.Section));
        builder.Services.AddOptions<SecurityOptions>().Bind(builder.Configuration.GetSection(SecurityOptions.Section));
        builder.Services.AddOptions<WebOptions>().Bind(builder.Configuration.GetSection(WebOptions.Section));
        builder.Services.AddOptions<Cluster.ClusterOptions>().Bind(builder.Configuration.GetSection(Cluster.ClusterOptions.Section));
        bool cluster = !string.IsNullOrWhiteSpace(builder.Configuration[Cluster.ClusterOptions.Section + ":Nats"]);
        builder.Services.AddSingleton<ConnectionGuard>();
        builder.Services.AddSingleton<AccountBook>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IMessageStore>(sp =>
        {
            var history = sp.GetRequiredService<IOptions<HistoryOptions>>().Value;
            // In cluster mode the engine is the store: no database on the node (the memory store stays empty).
            if (cluster) return new MemoryMessageStore { Description = "the cluster engine (--cluster): none on this node" };
            return history.Enabled ? SqliteMessageStore.Open(history.ResolvedDataDirectory()) : new MemoryMessageStore();
        });
        // Started before the listener and stopped after it, so what sessions queue is stored and answered.
        builder.Services.AddSingleton<MessageLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MessageLog>());
        builder.Services.AddSingleton<ChatHub>();
        if (cluster)
        {
            // Connected to the engine, with the rooms loaded, before the web port and the listener take anyone.
            builder.Services.AddSingleton<Cluster.ClusterChat>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<Cluster.ClusterChat>());
        }
        builder.Services.AddSingleton<ChatListener>();
        // The web port starts before the listener and stops after it: the listener's shutdown says BYE to its sessions.
        builder.Services.AddSingleton<WebServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebServer>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChatListener>());
        builder.Services.AddHostedService<SystemdStatus>(); // WATCHDOG=1 and STATUS= lines, beside the library's READY=1
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Names a JSON settings file, e.g. /etc/tcpchat/settings.json, shaped like appsettings.json.</summary>
    public const string ConfigFlag = "--config";

    /// <summary>
    /// Precedence, lowest first: appsettings.json beside the binary, the <c>--config</c> file, environment variables
    /// (<c>Chat__Port=7000</c>), command-line flags. The file goes in just after appsettings.json.
    /// </summary>
    private static void AddSettingsFile(ConfigurationManager configuration, string[] args)
    {
        int at = Array.IndexOf(args, ConfigFlag);
        if (at < 0) return;
        if (at + 1 >= args.Length) throw new FormatException($"{ConfigFlag} needs a file name");
        string path = Path.GetFullPath(args[at + 1]);
        if (!File.Exists(path)) throw new FormatException($"settings file {path} does not exist");
        var sources = (IList<IConfigurationSource>)configuration.Sources;
        int appsettings = sources.ToList().FindLastIndex(source => source is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource);
        var file = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = path, Optional = false };
        file.ResolveFileProvider();
        sources.Insert(appsettings + 1, file);
    }

    /// <summary>What is wrong with the host's settings, one line each.</summary>
    public static IReadOnlyList<string> Problems(IHost host) =>
        [
            .. host.Services.GetRequiredService<IOptions<ChatOptions>>().Value.Validate(),
            .. host.Services.GetRequiredService<IOptions<HistoryOptions>>().Value.Validate(),
            .. host.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.Validate(),
            .. host.Services.GetRequiredService<IOptions<WebOptions>>().Value.Validate(),
            .. host.Services.GetRequiredService<IOptions<Cluster.ClusterOptions>>().Value.Validate(),
        ];

    /// <summary>The TLS port's endpoint of a started host, when it has one.</summary>
    public static System.Net.IPEndPoint? TlsEndpointOf(IHost host) => host.Services.GetRequiredService<ChatListener>().TlsEndPoint;

    /// <summary>The web port's endpoint of a started host, when it has one.</summary>
    public static System.Net.IPEndPoint? WebEndpointOf(IHost host) => host.Services.GetRequiredService<WebServer>().LocalEndPoint;

    /// <summary>The listening endpoint of a started host.</summary>
    public static System.Net.IPEndPoint? EndpointOf(IHost host) => host.Services.GetRequiredService<ChatListener>().LocalEndPoint;

    /// <summary>The server process's entry: the one caller that may set process-wide runtime switches.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Error, services: null, serverProcess: true);

    /// <summary>
    /// Runs the server to its end; the exit code: 0 after a clean stop, 1 when it could not start or a background part
    /// failed for good (<see cref="FatalFailure"/>), 2 for bad flags or settings. Every failure is one line on
    /// <paramref name="error"/>; stack traces go to the log at debug level only.
    /// </summary>
    /// <param name="serverProcess">
    /// This process is the server (Program.cs): apply <see cref="ChatOptions.InlineSocketCompletions"/>, which holds for
    /// every socket of the process.
    /// </param>
    internal static async Task<int> RunAsync(string[] args, TextWriter error, Action<IServiceCollection>? services,
        bool serverProcess = false)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            PrintHelp();
            return 0;
        }
        if (CommandLine.Problem(args) is { } flagProblem)
        {
            error.WriteLine($"tcpchat-server: {flagProblem} (see --help)");
            return 2;
        }
        IHost host;
        try
        {
            host = Build(args, services: services);
        }
        catch (FormatException e)
        {
            error.WriteLine($"tcpchat-server: {e.Message} (see --help)");
            return 2;
        }
        IReadOnlyList<string> problems;
        try
        {
            problems = Problems(host);
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine($"tcpchat-server: bad setting: {e.Message}");
            return 2;
        }
        if (problems.Count > 0)
        {
            error.WriteLine($"tcpchat-server: bad setting: {string.Join("; ", problems)}");
            return 2;
        }
        try
        {
            host.Services.GetRequiredService<IMessageStore>(); // opens the database now: a bad one stops the start here
        }
        catch (HistoryStoreException e)
        {
            error.WriteLine($"tcpchat-server: {e.Message}");
            return 1;
        }
        string? socketsLine = serverProcess ? ApplyInlineSocketCompletions(host) : null;
        var listener = host.Services.GetRequiredService<ChatListener>();
        try
        {
            listener.Bind(); // now, not inside the host's start: a taken port is one line, not a failed host's trace
        }
        catch (System.Net.Sockets.SocketException e)
        {
            host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TcpChat.Server").LogDebug(e, "Listen failed");
            error.WriteLine($"tcpchat-server: cannot listen on {listener.FailedEndPoint}: {Describe(e)}");
            return 1;
        }
        if (socketsLine is not null) host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TcpChat.Server").LogInformation(socketsLine);
        var failure = host.Services.GetRequiredService<FatalFailure>();
        var background = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        var signals = Hosting.SecondSignal.Register();
        try
        {
            await host.RunAsync();
        }
        catch (Exception e) when (failure.Reason is null)
        {
            error.WriteLine($"tcpchat-server: {e.Message}");
            return 1;
        }
        catch (Exception) { } // what the failure below caused on the way down; the failure is the reason
        finally
        {
            foreach (var registration in signals) registration.Dispose();
        }
        // A part that failed without reporting itself (the host's "BackgroundService failed" stops it quietly with 0).
        string? reason = failure.Reason ?? background
            .Where(b => b.ExecuteTask is { IsFaulted: true })
            .Select(b => $"{b.GetType().Name} failed: {b.ExecuteTask!.Exception!.InnerException?.Message}")
            .FirstOrDefault();
        if (reason is null) return 0;
        error.WriteLine($"tcpchat-server: {reason}");
        return 1;
    }

    /// <summary>
    /// <see cref="ChatOptions.InlineSocketCompletions"/>. .NET reads the switch once, when the process's first socket is
    /// made, so this runs before the listener binds (nothing before it opens a socket). With it, .NET runs one I/O
    /// thread per core (DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT, set in the environment, overrides that). What runs on
    /// those threads must not block: password hashing, the TLS handshake's key exchange and a JOIN that reads a room's
    /// counter from the database are handed to the pool, and the database is written by the history loop
    /// (ChatHub.Accounts.cs, ChatListener.StartTlsAsync, ChatHub.Join, MessageLog).
    /// </summary>
    /// <returns>The line to log once the server listens.</returns>
    private static string ApplyInlineSocketCompletions(IHost host)
    {
        var history = host.Services.GetRequiredService<IOptions<HistoryOptions>>().Value;
        bool inline = host.Services.GetRequiredService<IOptions<ChatOptions>>().Value.RunsSocketsInline(!history.Enabled);
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", inline ? "1" : "0");
        return inline
            ? "Socket continuations run on the I/O threads, one per core (Chat:InlineSocketCompletions)"
            : "Socket continuations run on the thread pool (Chat:InlineSocketCompletions)";
    }

    /// <summary>The reason of a failed listen, in the words of the man pages: "address already in use".</summary>
    private static string Describe(System.Net.Sockets.SocketException e) => e.SocketErrorCode switch
    {
        System.Net.Sockets.SocketError.AddressAlreadyInUse => "address already in use",
        System.Net.Sockets.SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
        System.Net.Sockets.SocketError.AddressNotAvailable => "no such address on this machine",
        _ => e.Message.Length > 0 ? char.ToLowerInvariant(e.Message[0]) + e.Message[1..] : e.SocketErrorCode.ToString(),
    };

    private static void PrintHelp()
    {
        object[] defaults = [new ChatOptions(), new HistoryOptions(), new SecurityOptions(), new WebOptions(), new Cluster.ClusterOptions()];
        Console.WriteLine("tcpchat-server: a TCP chat server (protocol: docs/PROTOCOL.md)");
        Console.WriteLine();
        Console.WriteLine("Usage: tcpchat-server [--flag value]...");
        Console.WriteLine("Every setting can also come from appsettings.json (sections \"Chat\", \"History\", \"Security\", \"Web\" and \"Cluster\") or the environment");
        Console.WriteLine("(Chat__Port=7000, History__MaxPage=200). Precedence: appsettings.json < --config file < environment < flags.");
        Console.WriteLine();
        int width = Flags.Keys.Max(f => f.Length) + 1;
        foreach (var (flag, (key, help)) in Flags)
        {
            if (flag is NoHistoryFlag or ConfigFlag or TlsFlag)
            {
                Console.WriteLine($"  {flag.PadRight(width)} {help}");
                continue;
            }
            string[] parts = key.Split(':');
            object options = defaults.First(o => o.GetType().Name == parts[0] + "Options");
            object? value = options.GetType().GetProperty(parts[1])!.GetValue(options);
            Console.WriteLine($"  {flag.PadRight(width)} {help} (default: {value switch { "" => "''", null => "off", _ => value }}; key {key})");
        }
    }
}
