using Microsoft.Extensions.DependencyInjection;
using TcpChat.Protocol;
using TcpChat.Server.History;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.History;

/// <summary>
/// A full disk, as docs/PROTOCOL.md promises it is handled: a message that cannot be stored is not sent, and its
/// sender is told <c>ERR STORE_FAILED SEND</c>; the session goes on. The disk is made "full" by SQLite's own
/// <c>max_page_count</c> on the server's real store, which fails an append with SQLITE_FULL exactly as a full disk does.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("tcpchat-full-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task MessageThatCannotBeStoredIsNotSentAndItsSenderIsToldStoreFailed()
    {
        // 32 pages of 4 KiB: the schema and a few dozen 2 KiB messages.
        await using var server = await InProcessServer.StartAsync(
            s => s.AddSingleton<IMessageStore>(_ => SqliteMessageStore.Open(_data, maxPageCount: 32)), "--data-dir", _data);
        var (alice, _) = await HistoryKit.RegisterAsync(server.Port, "alice");
        await using var _a = alice;
        var (bob, _) = await HistoryKit.RegisterAsync(server.Port, "bob");
        await using var _b = bob;

        string text = new('x', 2000);
        int stored = 0;
        Received answer;
        while (true)
        {
            alice.Send($"SEND #lobby :{stored} {text}\n");
            answer = await alice.ExpectAsync(f => f.Verb == Verb.Err || (f.Verb == Verb.Msg && f.Text!.StartsWith($"{stored} ")),
                $"echo of message {stored} or ERR");
            if (answer.Verb == Verb.Err) break;
            stored++;
            Assert.True(stored < 1000, "1,000 messages of 2 KB stored in a 128 KiB database");
        }
        Assert.Equal("ERR STORE_FAILED SEND :the message could not be stored, so it was not sent", answer.ToString());
        Assert.True(stored > 0, "the first message already failed: the limit is too small to show anything");

        // Bob got every stored message and not the one that failed; the history holds the same.
        alice.Send("SEND #lobby :after the failure\n");
        alice.Send("PING still-here\n");
        await alice.ExpectAsync("PONG still-here");
        bob.Send("PING sync\n");
        await bob.ExpectAsync("PONG sync");
        var delivered = bob.Seen.Where(f => f.Verb == Verb.Msg && f.Arg(1) == "alice").Select(f => f.Text!).ToList();
        Assert.Equal(Enumerable.Range(0, stored).Select(i => $"{i} {text}"), delivered.Where(t => t != "after the failure"));
        Assert.Equal(stored, (await bob.HistoryAsync("HISTORY #lobby limit=100", "#lobby")).Count(m => m.Text!.EndsWith(text)));
    }
}
