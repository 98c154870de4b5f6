using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TcpChat.Server.Hosting;

/// <summary>
/// A background part of the server (the accept loop, the keepalive sweep, the history writer) that fails for good
/// stops the whole server here, and the process then exits with 1 and this one-line reason, so that systemd's
/// <c>Restart=on-failure</c> brings it back. Never exit 0 after a failure: that is a clean stop to systemd.
/// </summary>
internal sealed class FatalFailure(IHostApplicationLifetime lifetime, ILogger<FatalFailure> log)
{
    private string? _reason;

    /// <summary>Why the server stopped, or null when nothing failed.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Records that <paramref name="part"/> failed (the first failure wins) and stops the server.</summary>
    public void Stop(string part, Exception error)
    {
        string reason = $"{part} failed: {error.GetType().Name}: {error.Message}";
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
            log.LogCritical(error, "{Reason}; stopping the server", reason);
        lifetime.StopApplication();
    }
}
