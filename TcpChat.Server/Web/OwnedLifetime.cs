using Microsoft.Extensions.Hosting;

namespace TcpChat.Server.Web;

/// <summary>
/// The web host's lifetime is the server's: it does not listen for SIGTERM or Ctrl+C itself (the server's host does,
/// and stops the web port after it has said BYE to every session, WebSocket ones included).
/// </summary>
internal sealed class OwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
