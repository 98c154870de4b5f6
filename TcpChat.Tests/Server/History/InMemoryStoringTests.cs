using System.Text;
using Microsoft.Extensions.DependencyInjection;
using TcpChat.Protocol;
using TcpChat.Server.History;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.History;

/// <summary>
/// With <c>--no-history</c> a message is stored on its sender's thread, not through the history loop: its frame is ready
/// when the sender goes on, and a page asked before it still ends where it was asked.
/// </summary>
public sealed class InMemoryStoringTests
{
    private sealed class Client : IHistoryClient
    {
        public List<string> Errors { get; } = [];
        public void SendError(ErrorCode code, string verb, string text) => Errors.Add($"{code} {verb} {text}");
        public bool TryChargePage(int bytes) => true;
    }

    private static StoredMessage Message(long id, string text) =>
        new("#café", id, "#café", "João", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes(text)); // now: not pruned by age

    [Fact]
    public async Task AMessageIsStoredBeforeAppendReturnsAndAPageAskedBeforeItLeavesItOut()
    {
        await using var server = await InProcessServer.StartAsync("--no-history");
        var log = server.Services.GetRequiredService<MessageLog>();
        var client = new Client();
        var counter = log.Ids.Acquire("#café");
        byte[] frame = Encoding.UTF8.GetBytes("MSG #café João 1 x :olá 漢字 👍\n");

        var stored = log.Append(Message(counter.Next(), "olá 漢字 👍"), frame, client);
        Assert.True(stored.IsCompletedSuccessfully, "the frame must be ready when Append returns");
        Assert.Equal(frame, (await stored).ToArray());

        // Asked now, bounded by the last id given out (as ChatHub asks), then a second message: the page has the first only.
        var page = log.Read(new HistoryQuery("#café", "#café", "#café", counter.Current + 1, 10), client);
        Assert.True(log.Append(Message(counter.Next(), "segunda"), frame, client).IsCompletedSuccessfully);
        string text = Encoding.UTF8.GetString((await page.WaitAsync(TimeSpan.FromSeconds(30))).Span);
        Assert.StartsWith("HISTORY #café 1\n", text);
        Assert.Contains("olá 漢字 👍", text);
        Assert.DoesNotContain("segunda", text);

        var later = log.Read(new HistoryQuery("#café", "#café", "#café", counter.Current + 1, 10), client);
        Assert.StartsWith("HISTORY #café 2\n", Encoding.UTF8.GetString((await later.WaitAsync(TimeSpan.FromSeconds(30))).Span));
        Assert.Empty(client.Errors);
        log.Ids.Release(counter);
    }
}
