using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TcpChat.Server;
using TcpChat.Server.History;

namespace TcpChat.Tests.Server.Service;

/// <summary>
/// A background part that fails for good ends the process with exit code 1 and a one-line reason, so that systemd's
/// Restart=on-failure brings the server back; before, the host stopped quietly and the process exited 0.
/// </summary>
public sealed class FatalFailureTests
{
    [Fact]
    public async Task HistoryWriterFailingForGoodExitsOneWithItsReason()
    {
        var (code, error) = await RunAsync(services => services.AddHostedService<BreakTheHistoryWriter>());
        Assert.Equal(1, code);
        Assert.Equal("tcpchat-server: the history writer failed: InvalidOperationException: the disk controller is on fire",
            error.Trim());
    }

    [Fact]
    public async Task AnyBackgroundServiceThatThrowsExitsOneWithItsReason()
    {
        var (code, error) = await RunAsync(services => services.AddHostedService<ThrowingPart>());
        Assert.Equal(1, code);
        Assert.Equal("tcpchat-server: ThrowingPart failed: out of luck", error.Trim());
    }

    private static async Task<(int Code, string Error)> RunAsync(Action<IServiceCollection> services)
    {
        var data = Directory.CreateTempSubdirectory("tcpchat-fatal-");
        try
        {
            var error = new StringWriter();
            int code = await ServerHost.RunAsync(
                ["--port", "0", "--bind", "127.0.0.1", "--data-dir", data.FullName, "--trim-memory-after", "0"], error, services)
                .WaitAsync(TimeSpan.FromSeconds(60));
            return (code, error.ToString());
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>Makes the history writer's loop throw: the Pruned event is raised on it, outside any store call.</summary>
    private sealed class BreakTheHistoryWriter(MessageLog log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            log.Pruned += _ => throw new InvalidOperationException("the disk controller is on fire");
            _ = log.PruneAsync();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class ThrowingPart : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("out of luck");
        }
    }
}
