using System.Diagnostics;
using System.Text;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Netcat;

/// <summary>
/// Runs every <c>Netcat/*.sh</c> script (copied beside the tests) against a fresh real server process: each script
/// drives the server with netcat-openbsd clients, the way a user scripts it, and exits non-zero with a message when
/// what comes back is wrong.
/// </summary>
public sealed class NetcatScriptTests
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan OutputAfterExit = TimeSpan.FromSeconds(30);

    private static string ScriptDirectory => Path.Combine(AppContext.BaseDirectory, "Netcat");

    private static string[] ScriptNames() =>
        Directory.Exists(ScriptDirectory)
            ? Directory.GetFiles(ScriptDirectory, "*.sh").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <summary>One case per script, named by its file name.</summary>
    public static TheoryData<string> Scripts() => new(ScriptNames());

    [Fact]
    public void ScriptsAreCopiedBesideTheTests() =>
        Assert.True(ScriptNames().Contains("common.sh") && ScriptNames().Length > 1,
            $"expected common.sh and the netcat scenarios in {ScriptDirectory} (TcpChat.Tests.csproj copies Netcat/*.sh)");

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script(string name)
    {
        Assert.True(await IsInstalledAsync("nc"),
            "nc (netcat-openbsd) is not installed: the README test command (./run-tests.sh) installs it, "
            + "or run: sudo apt-get install -y netcat-openbsd");

        await using var server = await ServerProcess.StartAsync();
        var (exitCode, output) = await RunAsync(Path.Combine(ScriptDirectory, name), server.Port);

        Assert.True(exitCode == 0,
            $"{name} exited with {exitCode}.\n==== script output (stdout+stderr):\n{output}\n==== server log:\n{server.Log}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, int port)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        info.ArgumentList.Add(script);
        info.Environment["TCPCHAT_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        bool timedOut = false;
        try
        {
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(ScriptTimeout);
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { timedOut = true; }
        }
        finally
        {
            Run.Kill(process); // by its pid, with the children it still has, however the wait ended
        }
        // The output is complete once both redirected streams are closed (what WaitForExitAsync without a token also
        // waits for); an nc the script left running in the background holds them open, so not for ever.
        try { await process.WaitForExitAsync().WaitAsync(OutputAfterExit); }
        catch (TimeoutException)
        {
            Append(output, $"(the output was still open {OutputAfterExit.TotalSeconds:0} s after the script ended: a process it left running holds it)");
            return (-1, Snapshot(output));
        }
        if (timedOut)
        {
            Append(output, $"(killed: still running after {ScriptTimeout.TotalSeconds:0} s)");
            return (-1, Snapshot(output));
        }
        return (process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    private static async Task<bool> IsInstalledAsync(string command) =>
        (await Run.CommandAsync("bash", ["-c", $"command -v {command}"], timeout: TimeSpan.FromSeconds(30))).Code == 0;
}
