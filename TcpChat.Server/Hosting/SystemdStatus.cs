using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using TcpChat.Server.Chat;

namespace TcpChat.Server.Hosting;

/// <summary>
/// What Microsoft.Extensions.Hosting.Systemd does not say for us. The library's <see cref="SystemdLifetime"/> sends
/// <c>READY=1</c> once the host has started (the listener binds before that, so the port is open by then) and
/// <c>STOPPING=1</c> when shutdown begins; this adds, on the library's <see cref="ISystemdNotifier"/>:
/// <c>WATCHDOG=1</c> every half <c>WatchdogSec</c> while the accept loop is alive, and <c>STATUS=</c> lines that
/// <c>systemctl status</c> shows (where it listens, how many are connected, shutting down). Does nothing outside
/// systemd: the library registers its notifier only when the parent process is systemd.
/// </summary>
internal sealed class SystemdStatus(
    IHostApplicationLifetime lifetime, ChatListener listener, ChatHub hub, IEnumerable<ISystemdNotifier> notifiers) : BackgroundService
{
    private readonly ISystemdNotifier? _notifier = notifiers.FirstOrDefault(n => n.IsEnabled);

    /// <summary>How often STATUS= is refreshed when no watchdog asks for more.</summary>
    public static readonly TimeSpan StatusPeriod = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (_notifier is null) return;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = lifetime.ApplicationStopping.Register(() => Send("STATUS=Shutting down: saying BYE to everyone"));
        try { await started.Task.WaitAsync(stopping); }
        catch (OperationCanceledException) { return; }
        Send($"STATUS={Listening()}");

        TimeSpan? watchdog = WatchdogInterval();
        var period = watchdog is { } w ? w / 2 : StatusPeriod;
        using var timer = new PeriodicTimer(period);
        long ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                if (watchdog is not null && listener.IsAccepting) Send("WATCHDOG=1");
                if (++ticks * period >= StatusPeriod || watchdog is null)
                {
                    ticks = 0;
                    Send($"STATUS={Listening()}, {hub.ConnectionCount.ToString(CultureInfo.InvariantCulture)} connected");
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private string Listening() =>
        listener.TlsEndPoint is { } tls ? $"Listening on {listener.LocalEndPoint} and {tls} (TLS)" : $"Listening on {listener.LocalEndPoint}";

    private void Send(string state) => _notifier!.Notify(new ServiceState(state));

    /// <summary>$WATCHDOG_USEC, when it is meant for this process ($WATCHDOG_PID unset or ours).</summary>
    private static TimeSpan? WatchdogInterval()
    {
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)) return null;
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }
}
