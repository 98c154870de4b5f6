using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TcpChat.Server.Chat;
using TcpChat.Server.Hosting;

namespace TcpChat.Server;

/// <summary>Builds and runs the server's Generic Host. Tests build it in-process with the same code.</summary>
public static class ServerHost
{
    /// <summary>Friendly command-line flags, each a name for a key of the "Chat" section.</summary>
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
        ["--close-timeout"] = ("Chat:CloseTimeoutSeconds", "seconds the last frames of a closing connection may take"),
        ["--max-rooms-per-user"] = ("Chat:MaxRoomsPerUser", "rooms one connection may be in"),
        ["--max-connections"] = ("Chat:MaxConnections", "connections held at once"),
        ["--shutdown-seconds"] = ("Chat:ShutdownSeconds", "seconds given to say BYE on SIGTERM / Ctrl+C"),
    };

    public static IHost Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [], // parsed below, with the friendly flags
        });
        builder.Configuration.AddCommandLine(args, Flags.ToDictionary(f => f.Key, f => f.Value.Key));
        configure?.Invoke(builder.Configuration);

        builder.Logging.ClearProviders();
        if (UnderSystemd)
        {
            // journald adds its own timestamps; "<6>" style prefixes carry the priority of each line.
            builder.Logging.AddSystemdConsole(o => o.IncludeScopes = false);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        }
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddOptions<ChatOptions>().Bind(builder.Configuration.GetSection(ChatOptions.Section));
        builder.Services.Configure<HostOptions>(o =>
        {
            double seconds = builder.Configuration.GetValue(ChatOptions.Section + ":ShutdownSeconds", 5.0);
            o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Clamp(seconds, 0.1, 600) + 2);
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatHub>();
        builder.Services.AddSingleton<ChatListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChatListener>());
        builder.Services.AddHostedService<SystemdLifetime>(); // after the listener: READY=1 only once it listens
        return builder.Build();
    }

    /// <summary>Started by systemd with its journal on stdout (JOURNAL_STREAM) or as a notify service.</summary>
    private static bool UnderSystemd =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("JOURNAL_STREAM"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    /// <summary>What is wrong with the host's settings, one line each.</summary>
    public static IReadOnlyList<string> Problems(IHost host) =>
        host.Services.GetRequiredService<IOptions<ChatOptions>>().Value.Validate().ToList();

    /// <summary>The listening endpoint of a started host.</summary>
    public static System.Net.IPEndPoint? EndpointOf(IHost host) => host.Services.GetRequiredService<ChatListener>().LocalEndPoint;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            PrintHelp();
            return 0;
        }
        IHost host;
        try
        {
            host = Build(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"tcpchat-server: {e.Message} (see --help)");
            return 2;
        }
        ChatOptions options;
        try
        {
            options = host.Services.GetRequiredService<IOptions<ChatOptions>>().Value;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"tcpchat-server: bad setting: {e.Message}");
            return 2;
        }
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            Console.Error.WriteLine($"tcpchat-server: bad setting: {string.Join("; ", problems)}");
            return 2;
        }
        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Console.Error.WriteLine($"tcpchat-server: cannot listen on {options.Bind}:{options.Port}: {e.Message}");
            return 1;
        }
    }

    private static void PrintHelp()
    {
        var defaults = new ChatOptions();
        Console.WriteLine("tcpchat-server: a TCP chat server (protocol: docs/PROTOCOL.md)");
        Console.WriteLine();
        Console.WriteLine("Usage: tcpchat-server [--flag value]...");
        Console.WriteLine("Every setting can also come from appsettings.json (section \"Chat\") or the environment (Chat__Port=7000).");
        Console.WriteLine("Precedence: appsettings.json < environment < flags.");
        Console.WriteLine();
        foreach (var (flag, (key, help)) in Flags)
        {
            string property = key[(ChatOptions.Section.Length + 1)..];
            object? value = typeof(ChatOptions).GetProperty(property)!.GetValue(defaults);
            Console.WriteLine($"  {flag,-22} {help} (default: {value}; key {key})");
        }
    }
}
