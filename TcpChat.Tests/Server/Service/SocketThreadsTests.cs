using Microsoft.Extensions.DependencyInjection;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Service;

/// <summary>
/// Chat:InlineSocketCompletions, as the server binary applies it: socket continuations on .NET's I/O threads (one per
/// core) or on the thread pool (one I/O thread that only dispatches); auto, the default, is inline with --no-history only. Seen from outside, by the process's
/// threads named ".NET Sockets" (/proc/pid/task/*/comm), with a room chatting over real sockets.
/// </summary>
public sealed class SocketThreadsTests
{
    /// <summary>.NET's own count of I/O threads without inline completions: one per 30 cores (x64).</summary>
    private static int PoolModeIoThreads => Math.Max(1, (int)Math.Round(Environment.ProcessorCount / 30.0));

    [Theory]
    [InlineData(null, false, false)] // the default, auto: off with the database
    [InlineData(null, true, true)]   // auto: on with --no-history
    [InlineData("false", true, false)]
    [InlineData("true", false, true)]
    [InlineData("AUTO", true, true)]
    public async Task SocketContinuationsRunOnOneIoThreadPerCoreWhenInlineAndOnThePoolOtherwise(string? setting, bool noHistory, bool inline)
    {
        string[] args = [.. setting is null ? [] : (string[])["--inline-socket-completions", setting], .. noHistory ? (string[])["--no-history"] : []];
        // Whatever the test process was started with, the setting decides.
        var environment = new Dictionary<string, string> { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = inline ? "0" : "1" };
        await using var server = await ServerProcess.StartAsync(environment, args);
        await using var alice = await TestClient.ConnectAsync(server.Port);
        alice.Send("NICK João\n");
        await alice.ExpectAsync("NAMES #lobby");
        await using var bob = await TestClient.ConnectAsync(server.Port);
        bob.Send("NICK bob\n");
        await alice.ExpectAsync("JOIN #lobby bob");
        await bob.ExpectAsync("NAMES #lobby");
        for (int i = 0; i < 50; i++) alice.Send($"SEND #lobby :olá {i} 漢字 👍\n");
        for (int i = 0; i < 50; i++)
        {
            var msg = await bob.ExpectAsync("MSG");
            Assert.Equal(("João", $"olá {i} 漢字 👍"), (msg.Arg(1), msg.Text));
        }

        Assert.Equal(inline ? Environment.ProcessorCount : PoolModeIoThreads, IoThreads(server.ProcessId));
        if (inline) await server.WaitForLogAsync("Socket continuations run on the I/O threads");
        else await server.WaitForLogAsync("Socket continuations run on the thread pool");
    }

    [Theory]
    [InlineData(true, null, true)]
    [InlineData(false, null, false)]
    [InlineData(false, "true", true)]
    [InlineData(true, "false", false)]
    public async Task ReadersWriteSmallRoomsMessagesThemselvesExactlyWhenSocketsRunInline(bool noHistory, string? setting, bool readerWrites)
    {
        string[] args = [.. setting is null ? [] : (string[])["--inline-socket-completions", setting], .. noHistory ? (string[])["--no-history"] : []];
        await using var server = await InProcessServer.StartAsync(args);
        Assert.Equal(readerWrites, server.Services.GetRequiredService<TcpChat.Server.Chat.ChatHub>().ReaderWrites);
    }

    private static int IoThreads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task")
            .Count(task => File.Exists(Path.Combine(task, "comm")) && File.ReadAllText(Path.Combine(task, "comm")).Trim() == ".NET Sockets");
}
