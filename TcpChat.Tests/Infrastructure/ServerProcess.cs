using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TcpChat.Tests.Infrastructure;

/// <summary>
/// The real server binary (tcpchat-server.dll, copied beside the tests), started as its own process on a free port,
/// the way a user starts it. Its log is kept for assertions and for failure messages.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _webPort = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly string? _ownDataDirectory;

    private ServerProcess(Process process, string? ownDataDirectory)
    {
        _process = process;
        _ownDataDirectory = ownDataDirectory;
    }

    public int Port { get; private set; }

    /// <summary>The web port (--web-port), read from the log; 0 when there is none.</summary>
    public int WebPort { get; private set; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get { lock (_log) return string.Join('\n', _log); }
    }

    /// <summary>
    /// Starts <c>dotnet tcpchat-server.dll --port 0 --bind 127.0.0.1</c>, <see cref="InProcessServer.GenerousLimits"/> (the
    /// tests connect from loopback, many times and fast) and <paramref name="args"/>, which win over them. Unless they give
    /// <c>--data-dir</c> or <c>--no-history</c>, the server keeps its history in a new temporary directory, removed on dispose.
    /// </summary>
    public static Task<ServerProcess> StartAsync(params string[] args) => StartAsync(new Dictionary<string, string>(), args);

    /// <summary>As <see cref="StartAsync(string[])"/>, with extra environment variables.</summary>
    public static Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartAsync(launcher: [], environment, args);

    /// <summary>
    /// As <see cref="StartAsync(IReadOnlyDictionary{string, string}, string[])"/>, as the child of a process named
    /// <c>systemd</c> (Infrastructure/fake-systemd.py): what Microsoft.Extensions.Hosting.Systemd looks at to decide
    /// that it runs as a service. Signals sent with <see cref="Signal"/> are passed on to the server.
    /// </summary>
    public static Task<ServerProcess> StartUnderSystemdAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartAsync(launcher: ["python3", Path.Combine(AppContext.BaseDirectory, "fake-systemd.py")], environment, args);

    /// <summary>As <see cref="StartAsync(string[])"/>, through <paramref name="launcher"/> (e.g. <c>prlimit --nofile=300:300</c>).</summary>
    public static async Task<ServerProcess> StartAsync(string[] launcher, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        string? ownData = null;
        if (!args.Contains("--data-dir") && !args.Contains("--no-history"))
        {
            ownData = Directory.CreateTempSubdirectory("tcpchat-server-").FullName;
            args = [.. args, "--data-dir", ownData];
        }
        string dll = Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll");
        string[] command = [.. launcher, "dotnet"];
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        foreach (string word in command[1..]) info.ArgumentList.Add(word);
        info.ArgumentList.Add(dll);
        foreach (string a in (string[])["--port", "0", "--bind", "127.0.0.1", .. InProcessServer.GenerousLimits, .. args])
            info.ArgumentList.Add(a);
        var server = new ServerProcess(Process.Start(info)!, ownData);
        server._process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        _ = server._process.WaitForExitAsync().ContinueWith(_ =>
        {
            server._port.TrySetException(new InvalidOperationException("server exited before listening:\n" + server.Log));
            server._webPort.TrySetException(new InvalidOperationException("server exited before its web port listened:\n" + server.Log));
        });
        try
        {
            server.Port = await server._port.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // The web port starts after the TCP port is bound: wait for it too when there is one.
            if (args.Contains("--web-port")) server.WebPort = await server._webPort.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync(); // never listened, or too slow to: killed, not left behind
            throw;
        }
        return server;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_log) _log.Add(line);
        var web = WebLine().Match(line);
        if (web.Success) _webPort.TrySetResult(int.Parse(web.Groups[1].Value));
        var m = ListeningLine().Match(line);
        if (m.Success) _port.TrySetResult(int.Parse(m.Groups[1].Value));
    }

    /// <summary>
    /// Waits until the log holds <paramref name="text"/> (lines may come after "Listening on", which is all
    /// <see cref="StartAsync(string[])"/> waits for); fails with the log after <paramref name="timeout"/> (default 30 s).
    /// </summary>
    public async Task WaitForLogAsync(string text, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
                throw new Xunit.Sdk.XunitException($"the server never logged \"{text}\"; its log:\n{Log}");
            await Task.Delay(20);
        }
    }

    /// <summary>Sends a POSIX signal (SIGTERM = 15, SIGINT = 2, SIGKILL = 9) to the server.</summary>
    public void Signal(int signal) => Process.Start("kill", $"-{signal} {_process.Id}")!.WaitForExit();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    private bool _disposed;

    /// <summary>Kills the server (by its pid, with any child) if it still runs, and removes its own data; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        int pid = _process.Id;
        Run.Kill(_process);
        // And its output read to the end, which a process it left running could hold open: not for ever.
        var outputTimeout = TimeSpan.FromSeconds(30);
        bool outputEnded = true;
        try { await _process.WaitForExitAsync().WaitAsync(outputTimeout); }
        catch (TimeoutException) { outputEnded = false; }
        _process.Dispose();
        if (_ownDataDirectory is not null && Directory.Exists(_ownDataDirectory)) Directory.Delete(_ownDataDirectory, recursive: true);
        if (!outputEnded)
            throw new TimeoutException($"the server (pid {pid}) was killed, but its output was still open {outputTimeout.TotalSeconds:0} s later: a process it started holds it");
    }

    [GeneratedRegex(@"Listening on .*:(\d+) ")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Web page and WebSocket on https?://.*:(\d+)/")]
    private static partial Regex WebLine();
}
