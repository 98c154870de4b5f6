using System.Net;
using System.Net.Sockets;
using System.Text;
using TcpChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// A room that is created and removed again leaves nothing behind: a client that goes through ever new room names
/// (JOIN then PART, a name each time) must not grow the server's memory without bound.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class RoomMemoryTests(ITestOutputHelper output)
{
    private const int Rooms = 200_000;
    private const long Allowance = 10L * 1024 * 1024;

    [Fact]
    public async Task RoomsCreatedAndRemovedByTheHundredThousandLeaveNoMemoryBehind()
    {
        await using var server = await InProcessServer.StartAsync();
        var hub = server.Hub();
        await RoomChurnAsync(server.Port, 1_000, "warm"); // JIT, pools, the database
        await ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 0, "the warm-up client to be gone");
        long before = ServerInsight.LiveManagedBytes();

        await RoomChurnAsync(server.Port, Rooms, "churn");
        await ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 0, "the churning client to be gone");
        long after = ServerInsight.LiveManagedBytes();

        output.WriteLine($"{Rooms} rooms created and removed: managed memory {ServerInsight.Megabytes(before)} before, " +
            $"{ServerInsight.Megabytes(after)} after ({(after - before) / Rooms} bytes per room)");
        Assert.True(after - before < Allowance,
            $"{Rooms} rooms created and removed left {ServerInsight.Megabytes(after - before)} behind ({(after - before) / Rooms} bytes per room)");
    }

    /// <summary>
    /// A raw client (it keeps nothing of what it reads) that leaves #lobby, then joins and leaves
    /// <paramref name="rooms"/> rooms of new names, 500 at a time, each batch answered before the next (PING/PONG).
    /// </summary>
    private static async Task RoomChurnAsync(int port, int rooms, string nick)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var buffer = new byte[64 * 1024];
        string window = "";
        async Task WaitForAsync(string marker)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!window.Contains(marker))
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (n == 0) throw new Xunit.Sdk.XunitException($"the server closed the connection before '{marker.Trim()}': ...{window}");
                window = window[Math.Max(0, window.Length - 200)..] + Encoding.UTF8.GetString(buffer, 0, n);
            }
            window = "";
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes($"NICK {nick}\nPART #lobby\nPING start\n"), SocketFlags.None);
        await WaitForAsync("PONG start\n");
        for (int i = 0; i < rooms; i += 500)
        {
            var frames = new StringBuilder();
            for (int k = i; k < Math.Min(rooms, i + 500); k++) frames.Append($"JOIN #{nick}{k}\nPART #{nick}{k}\n");
            frames.Append($"PING {i}\n");
            await socket.SendAsync(Encoding.UTF8.GetBytes(frames.ToString()), SocketFlags.None);
            await WaitForAsync($"PONG {i}\n");
        }
        await socket.SendAsync("QUIT\n"u8.ToArray(), SocketFlags.None);
        await WaitForAsync("BYE");
    }
}
