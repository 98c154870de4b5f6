using System.Net.Sockets;
using TcpChat.Server.Hosting;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Service;

/// <summary>Chat:TrimMemoryAfterSeconds: after a burst of connections, once it is over, the server gives memory back.</summary>
[Collection(AloneCollection.Name)]
public sealed class MemoryTrimTests
{
    [Fact]
    public async Task ServerGivesMemoryBackOnceABurstOfConnectionsIsOverAndSaysSoInStats()
    {
        await using var server = await InProcessServer.StartAsync("--trim-memory-after", "1");
        var hub = server.Hub();
        var sockets = new Socket[MemoryTrimmer.BurstConnections];
        try
        {
            using var connecting = new SemaphoreSlim(100); // under the listen backlog
            await Task.WhenAll(Enumerable.Range(0, sockets.Length).Select(async i =>
            {
                await connecting.WaitAsync();
                try
                {
                    sockets[i] = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await sockets[i].ConnectAsync("127.0.0.1", server.Port);
                }
                finally { connecting.Release(); }
            }));

            await ServerInsight.WaitUntilAsync(() => hub.Metrics.MemoryTrims.Total == 1, "a trim a second after the burst",
                timeout: TimeSpan.FromSeconds(60));
            await using var operatorClient = await server.ConnectAsync();
            operatorClient.Send("STATS\n");
            Assert.Contains("\nmemory_trims 1\n", (await operatorClient.ExpectAsync("STATS")).Text);
        }
        finally
        {
            foreach (var socket in sockets) socket?.Dispose();
        }
    }
}
