using System.Diagnostics;

namespace TcpChat.Tests.Infrastructure;

/// <summary>Runs a command to its end and returns its exit code and output.</summary>
public static class Run
{
    public static async Task<(int Code, string Stdout, string Stderr)> CommandAsync(
        string file, IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null)
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
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout, await stderr);
    }
}
