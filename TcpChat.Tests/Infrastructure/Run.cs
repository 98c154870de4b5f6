using System.Diagnostics;

namespace TcpChat.Tests.Infrastructure;

/// <summary>Runs a command to its end and returns its exit code and output.</summary>
public static class Run
{
    /// <summary>How long the output may stay open once the process exited.</summary>
    private static readonly TimeSpan OutputAfterExit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="file"/> to its end. Past <paramref name="timeout"/> (default 5 minutes), or when the test ends
    /// any other way first, the process and every child it started are killed before this returns or throws: a test
    /// never leaves one behind.
    /// </summary>
    public static async Task<(int Code, string Stdout, string Stderr)> CommandAsync(
        string file, IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null,
        IDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        HeadlessTerminal.Remove(info.Environment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var limit = timeout ?? TimeSpan.FromMinutes(5);
            try
            {
                await process.WaitForExitAsync().WaitAsync(limit);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not end within {limit.TotalSeconds:0} s: killed");
            }
            // The output ends when the last process holding the pipes closes them: normally the one that just exited,
            // but a child it left running holds them too, and would hang the test here without a bound.
            try
            {
                await Task.WhenAll(stdout, stderr).WaitAsync(OutputAfterExit);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{file} {string.Join(' ', args)} exited, but its output was still open {OutputAfterExit.TotalSeconds:0} s later: a process it left running holds it");
            }
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Kill(process);
        }
    }

    /// <summary>Kills <paramref name="process"/> and its children, by pid, if it is still running; waits for it to go.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (process.HasExited) return;
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped: nothing to kill
        }
    }
}
