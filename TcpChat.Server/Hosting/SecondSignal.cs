using System.Runtime.InteropServices;

namespace TcpChat.Server.Hosting;

/// <summary>
/// The first SIGTERM or Ctrl+C starts a graceful shutdown (the host's console lifetime handles it: BYE to everyone,
/// outboxes flushed, up to ShutdownSeconds). A second one means "now": the process exits at once with 130.
/// </summary>
internal static class SecondSignal
{
    private static int _count;

    public static IDisposable[] Register() =>
    [
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
    ];

    private static void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _count) < 2) return;
        Console.Error.WriteLine($"tcpchat-server: second {context.Signal}, exiting without waiting");
        Console.Error.Flush();
        // Not Environment.Exit: its ProcessExit handlers wait for the graceful shutdown we are cutting short.
        ExitNow(130);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);
}
