using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TcpChat.Server.Hosting;

/// <summary>
/// Tells systemd what the server is doing: <c>READY=1</c> once the host has started (the listener binds in its
/// StartAsync, so the port is open by then), <c>STOPPING=1</c> when shutdown begins, and <c>WATCHDOG=1</c> every half
/// <c>WatchdogSec</c> while the accept loop is alive. Does nothing outside systemd.
/// </summary>
internal sealed class SystemdLifetime(
    IHostApplicationLifetime lifetime, ChatListener listener, ILogger<SystemdLifetime> log) : BackgroundService
{
    private readonly SystemdNotifier? _notifier = SystemdNotifier.FromEnvironment();

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (_notifier is null) return;
        lifetime.ApplicationStarted.Register(() =>
            Send($"READY=1\nSTATUS=Listening on {listener.LocalEndPoint}\nMAINPID={Environment.ProcessId}"));
        lifetime.ApplicationStopping.Register(() => Send("STOPPING=1\nSTATUS=Shutting down"));

        if (WatchdogInterval() is not { } interval) return;
        using var timer = new PeriodicTimer(interval / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
                if (listener.IsAccepting) Send("WATCHDOG=1");
        }
        catch (OperationCanceledException) { }
    }

    private void Send(string state)
    {
        if (!_notifier!.Notify(state)) log.LogWarning("Could not notify systemd at {Socket}", _notifier.SocketName);
    }

    /// <summary>$WATCHDOG_USEC, when it is meant for this process ($WATCHDOG_PID unset or ours).</summary>
    private static TimeSpan? WatchdogInterval()
    {
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString()) return null;
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }
}
