using System.Diagnostics;

namespace TcpChat.Tests.Infrastructure;

/// <summary>
/// A real terminal for the client: a detached tmux session on its own tmux server (-L), driven with send-keys and
/// read with capture-pane, as a person would type and look. Waits poll the screen until a condition holds, with a
/// generous timeout; nothing sleeps as synchronisation.
/// </summary>
public sealed class TmuxSession : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    /// <summary>How long one tmux command may take: they end in milliseconds, but a loaded machine is slow to start them.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly string _socket = "tcpchat-test-" + Guid.NewGuid().ToString("N")[..12];
    private const string Target = "chat";

    /// <summary>Starts <paramref name="command"/> (run by sh) in a new <paramref name="width"/>x<paramref name="height"/> window.</summary>
    public static async Task<TmuxSession> StartAsync(string command, int width = 100, int height = 30, params string[] environment)
    {
        var session = new TmuxSession();
        string[] env = ["LANG=C.UTF-8", "TERM=xterm-256color", .. environment];
        await session.TmuxAsync(["new-session", "-d", "-s", Target, "-x", width.ToString(), "-y", height.ToString(),
            .. env.SelectMany(e => new[] { "-e", e }), command]);
        await session.TmuxAsync("set-option", "-t", Target, "remain-on-exit", "on");
        return session;
    }

    /// <summary>The command line that runs the real client binary with these arguments.</summary>
    public static string ClientCommand(params string[] args) =>
        "dotnet " + Quote(ClientBinary.Dll) + string.Concat(args.Select(a => " " + Quote(a)));

    /// <summary>
    /// The client command run by a shell that first writes its own pid to <paramref name="pidFile"/> and then
    /// becomes the client (exec), so a test can signal exactly the process it started.
    /// </summary>
    public static string ClientCommandWithPid(string pidFile, params string[] args) =>
        "sh -c " + Quote("echo $$ > " + Quote(pidFile) + "; exec " + ClientCommand(args));

    /// <summary>Reads the pid written by <see cref="ClientCommandWithPid"/>, waiting for the file to appear.</summary>
    public static async Task<int> ReadPidAsync(string pidFile)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out int pid))
                return pid;
            await Task.Delay(50); // polling for the file, not waiting for time to pass
        }
        throw new Xunit.Sdk.XunitException($"no pid in {pidFile}");
    }

    public static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>Types text literally (UTF-8 included), as if on a keyboard.</summary>
    public Task TypeAsync(string text) => TmuxAsync("send-keys", "-t", Target, "-l", text);

    /// <summary>Presses keys by tmux name: Enter, Tab, BSpace, PPage, NPage, C-n, M-1, M-Enter, Escape...</summary>
    public Task PressAsync(params string[] keys) => TmuxAsync(["send-keys", "-t", Target, .. keys]);

    /// <summary>Pastes text the way a terminal does: bracketed, when the application asked for it.</summary>
    public async Task PasteAsync(string text)
    {
        await TmuxAsync("set-buffer", "-b", "test", text);
        await TmuxAsync("paste-buffer", "-p", "-d", "-b", "test", "-t", Target);
    }

    /// <summary>From now on, appends everything the program in the pane writes to the terminal to <paramref name="path"/>.</summary>
    public Task PipeOutputAsync(string path) =>
        TmuxAsync("pipe-pane", "-t", Target, "-o", "cat >> " + Quote(path));

    public Task ResizeAsync(int width, int height) =>
        TmuxAsync("resize-window", "-t", Target, "-x", width.ToString(), "-y", height.ToString());

    public async Task<string> CaptureAsync() => await TmuxAsync("capture-pane", "-p", "-t", Target);

    /// <summary>The screen with its colours and attributes, as SGR sequences.</summary>
    public async Task<string> CaptureStyledAsync() => await TmuxAsync("capture-pane", "-p", "-e", "-t", Target);

    public async Task<string> DisplayAsync(string format) => (await TmuxAsync("display-message", "-p", "-t", Target, format)).Trim();

    /// <summary>Waits until the screen satisfies <paramref name="condition"/>; fails with the last screen.</summary>
    public Task<string> WaitForAsync(Func<string, bool> condition, string what, TimeSpan? timeout = null) =>
        PollAsync(CaptureAsync, condition, what, "the screen", timeout);

    /// <summary>Waits until tmux's <paramref name="format"/> (e.g. <c>#{cursor_x},#{cursor_y}</c>) reads <paramref name="expected"/>.</summary>
    public Task<string> WaitForDisplayAsync(string format, string expected, TimeSpan? timeout = null) =>
        PollAsync(() => DisplayAsync(format), value => value == expected, $"{format} = {expected}", format, timeout);

    private static async Task<string> PollAsync(Func<Task<string>> read, Func<string, bool> condition, string what, string shown, TimeSpan? timeout)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        string value = "";
        while (DateTime.UtcNow < deadline)
        {
            value = await read();
            if (condition(value)) return value;
            await Task.Delay(100); // polling for a condition, not waiting for time to pass
        }
        throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; {shown}:\n{value}");
    }

    public Task<string> WaitForTextAsync(string text, TimeSpan? timeout = null) =>
        WaitForAsync(s => s.Contains(text, StringComparison.Ordinal), $"'{text}'", timeout);

    private async Task<string> TmuxAsync(params string[] args)
    {
        var info = new ProcessStartInfo("tmux")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(_socket);
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add("/dev/null");
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("TMUX");
        HeadlessTerminal.Remove(info.Environment); // the tmux server passes its environment to the client it runs
        using var process = Process.Start(info) ?? throw new InvalidOperationException("tmux did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await Task.WhenAll(output, error, process.WaitForExitAsync()).WaitAsync(CommandTimeout);
        }
        catch (TimeoutException)
        {
            // A tmux command that hangs (a server that stopped answering) must fail the test, not hang it.
            Run.Kill(process);
            throw new TimeoutException($"tmux {string.Join(' ', args)} did not end within {CommandTimeout.TotalSeconds:0} s: killed");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {await error}");
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        try { await TmuxAsync("kill-server"); }
        catch (InvalidOperationException) { } // already gone
    }
}
