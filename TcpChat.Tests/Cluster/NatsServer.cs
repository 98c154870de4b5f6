using System.Diagnostics;
using System.Text.RegularExpressions;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Cluster;

/// <summary>
/// A real nats-server with JetStream (Debian's package; ./run-tests.sh installs it), on loopback, storing in its own
/// temporary directory. It picks its own port (<c>-p -1</c>), read back from its log line "Listening for client
/// connections on". Stopped by pid; <see cref="RestartAsync"/> starts it again on the same port and directory.
/// </summary>
public sealed partial class NatsServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<string> _log = new();
    private readonly string[] _clusterArgs;
    private Process? _process;

    private NatsServer(string directory, string name = "", string[]? clusterArgs = null)
    {
        _directory = directory;
        Name = name;
        _clusterArgs = clusterArgs ?? [];
    }

    /// <summary>The server's name in a cluster (<c>-n</c>): what the stream's leader is called by.</summary>
    public string Name { get; }

    /// <summary>The port other servers of its cluster route to; 0 outside a cluster.</summary>
    public int RoutePort { get; private set; }

    public int Port { get; private set; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public string Log
    {
        get { lock (_log) return string.Join('\n', _log); }
    }

    public static async Task<NatsServer> StartAsync()
    {
        var server = new NatsServer(Directory.CreateTempSubdirectory("tcpchat-nats-").FullName);
        try
        {
            server.Port = await server.LaunchAsync("-1");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>
    /// A JetStream cluster of <paramref name="count"/> servers, s1 to sN, each picking its own client and route ports.
    /// JetStream in a cluster needs a route to be configured, and s1 cannot know the others' ports before they start,
    /// so s1 is given a route nobody listens on (port 1 of loopback: refused, harmlessly retried) and the others route to
    /// s1; the servers then tell each other about the rest (gossip). Returns once JetStream has elected its meta leader.
    /// </summary>
    public static async Task<NatsServer[]> StartClusterAsync(int count)
    {
        var servers = new List<NatsServer>();
        try
        {
            for (int i = 1; i <= count; i++)
            {
                string route = i == 1 ? "nats://127.0.0.1:1" : $"nats://127.0.0.1:{servers[0].RoutePort}";
                var server = new NatsServer(Directory.CreateTempSubdirectory("tcpchat-nats-").FullName, $"s{i}",
                    ["-n", $"s{i}", "--cluster_name", "tcpchat", "--cluster", "nats://127.0.0.1:-1", "--routes", route]);
                servers.Add(server);
                server.Port = await server.LaunchAsync("-1");
                for (var wait = Stopwatch.StartNew(); server.RoutePort == 0; await Task.Delay(20))
                    if (wait.Elapsed > TimeSpan.FromSeconds(30)) throw new InvalidOperationException("no route port:\n" + server.Log);
            }
            // Ready when a stream with a copy on every server can be made (the servers' logs do not say it reliably).
            await using var connection = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts { Url = servers[0].Url });
            var js = new NATS.Client.JetStream.NatsJSContext(connection);
            for (var clock = Stopwatch.StartNew(); ; await Task.Delay(100))
            {
                try
                {
                    await js.CreateStreamAsync(new NATS.Client.JetStream.Models.StreamConfig("PROBE", ["probe.>"]) { NumReplicas = count });
                    await js.DeleteStreamAsync("PROBE");
                    break;
                }
                catch (Exception e) when (e is NATS.Client.Core.NatsException or TimeoutException && clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    // not formed yet
                }
            }
        }
        catch
        {
            foreach (var server in servers) await server.DisposeAsync();
            throw;
        }
        return [.. servers];
    }

    /// <summary>kill -9: the engine gone at once, as when its machine dies.</summary>
    public void Kill()
    {
        if (_process is null) return;
        Run.Kill(_process);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts it again where it was: same port, same stored stream.</summary>
    public async Task RestartAsync()
    {
        Kill();
        await LaunchAsync(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<int> LaunchAsync(string port)
    {
        var info = new ProcessStartInfo("nats-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["-js", "-sd", _directory, "-a", "127.0.0.1", "-p", port, .. _clusterArgs]) info.ArgumentList.Add(a);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("nats-server is not installed: ./run-tests.sh installs it (apt-get install -y nats-server)", e);
        }
        _process = process;
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null) return;
            lock (_log) _log.Add(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } m) listening.TrySetResult(int.Parse(m.Groups[1].Value));
            if (RouteLine().Match(e.Data) is { Success: true } r) RoutePort = int.Parse(r.Groups[1].Value);
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => listening.TrySetException(new InvalidOperationException("nats-server exited:\n" + Log)));
        int actual = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // JetStream is ready once the server says so; clients connecting before get "JetStream not enabled".
        var clock = Stopwatch.StartNew();
        while (!Log.Contains("Server is ready", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
        return actual;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"Listening for client connections on [^\s]*:(\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Listening for route connections on [^\s]*:(\d+)")]
    private static partial Regex RouteLine();
}
