using System.Text;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// The attacks the server already has an answer to (docs/PROTOCOL.md, "Errors", "Keepalive"): a line that never ends,
/// a length too large to buffer, a client that sends a frame very slowly, a client that stops in the middle of one.
/// Each time the attacker gets the documented answer and a bystander chats on.
/// </summary>
public sealed class AttackTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task NeverEndingLineIsClosedWithTooLongOnceItPassesMaxLineWhileOthersChatOn(bool registered)
    {
        const int chunk = 50;
        // Before NICK, the tighter limit of an unregistered connection holds (Security:UnregisteredMaxLine, 512 bytes).
        int maxLine = registered ? 1024 : new TcpChat.Server.Security.SecurityOptions().UnregisteredMaxLine;
        await using var server = await InProcessServer.StartAsync("--max-line", "1024");
        await using var bystander = await server.RegisterAsync("bystander");
        await using var attacker = registered ? await server.RegisterAsync("attacker") : await server.ConnectAsync();
        if (registered) await bystander.ExpectAsync("JOIN #lobby attacker");

        // The line arrives one chunk at a time, the bystander served between two chunks, and stops one byte past what
        // max_line and a CR may take: the server must close it with no LF in sight and nothing more to come.
        string start = "SEND #lobby :";
        attacker.Send(start);
        int sent = start.Length, round = 0;
        while (sent < maxLine + 2)
        {
            int n = Math.Min(chunk, maxLine + 2 - sent);
            attacker.Send(new string('x', n));
            sent += n;
            bystander.Send($"PING {++round}\n");
            await bystander.ExpectAsync($"PONG {round}");
        }

        var last = await attacker.ExpectClosedAsync();
        Assert.Equal($"ERR TOO_LONG * :control line exceeds max_line={maxLine} bytes", last[^2].ToString());
        Assert.Equal($"BYE :control line exceeds max_line={maxLine} bytes", last[^1].ToString());
        if (registered && !bystander.Seen.Any(f => f.Verb == Verb.Quit)) await bystander.ExpectAsync("QUIT attacker");
        Assert.Equal(registered ? ["QUIT attacker :protocol error"] : [],
            bystander.Seen.Where(f => f.Verb == Verb.Quit).Select(f => f.ToString()));
        await AssertStillChatsAsync(bystander);
    }

    [Theory]
    [InlineData("1025")] // one byte over max_payload
    [InlineData("9999999999")] // 10 digits: the most a length may have
    [InlineData("99999999999")] // 11 digits
    [InlineData("00000000000000000001")] // small, but more digits than a length may have
    public async Task DeclaredLengthOverMaxPayloadIsRefusedBeforeAnyTextIsSent(string length)
    {
        await using var server = await InProcessServer.StartAsync("--max-payload", "1024");
        await using var bystander = await server.RegisterAsync("bystander");
        await using var attacker = await server.RegisterAsync("attacker");
        await bystander.ExpectAsync("JOIN #lobby attacker");

        attacker.Send($"SEND #lobby {length}\n"); // and not one byte of text: the server must not wait for it

        var last = await attacker.ExpectClosedAsync();
        Assert.Equal($"ERR TOO_LONG SEND :text of {length} bytes exceeds max_payload=1024", last[^2].ToString());
        Assert.Equal(Verb.Bye, last[^1].Verb);
        Assert.Equal("QUIT attacker :protocol error", (await bystander.ExpectAsync("QUIT attacker")).ToString());
        await AssertStillChatsAsync(bystander);
    }

    [Fact]
    public async Task DeclaredLengthAtMaxPayloadIsWaitedForAndDelivered()
    {
        await using var server = await InProcessServer.StartAsync("--max-payload", "1024");
        await using var bystander = await server.RegisterAsync("bystander");
        await using var sender = await server.RegisterAsync("sender");
        string text = string.Concat(Enumerable.Range(0, 1024).Select(i => (char)('a' + i % 26)));

        sender.Send("SEND #lobby 1024\n" + text[..512]);
        await AssertStillChatsAsync(bystander); // meanwhile, half a text on one connection holds up nobody
        sender.Send(text[512..] + "\r\n");

        Assert.Equal(text, (await bystander.ExpectAsync("MSG #lobby sender")).Text);
        Assert.Equal(text, (await sender.ExpectAsync("MSG #lobby sender")).Text);
    }

    [Fact]
    public async Task SlowlorisSendingAValidFrameAByteEvery100MsIsNotClosedForBeingSlow()
    {
        // Any byte counts as being heard (docs/PROTOCOL.md, "Keepalive"): a frame that takes well over the timeout to
        // arrive, a byte every 100 ms, is not a silent client. The period is 3 s (a 6 s timeout), so that the bystander
        // has 3 s to answer its PINGs on a loaded machine.
        await using var server = await InProcessServer.StartAsync("--ping", "3");
        await using var bystander = await server.RegisterAsync("bystander");
        bystander.AutoPong = true;
        await using var slow = await server.RegisterAsync("slow");
        string text = "slow but steady: one byte every 100 ms, for well over the 6 s timeout, twice the ping period of 3 s";
        byte[] frame = Encoding.UTF8.GetBytes($"SEND #lobby :{text}\n");
        Assert.True(frame.Length * 100 > 1.5 * 2 * 3000, "the frame must take well over the 6 s timeout to send");

        foreach (byte b in frame)
        {
            slow.Send([b]);
            await Task.Delay(100); // the attacker's pace, not a wait for the server
        }

        Assert.Equal(text, (await slow.ExpectAsync("MSG #lobby slow")).Text);
        Assert.Equal(text, (await bystander.ExpectAsync("MSG #lobby slow")).Text);
        Assert.DoesNotContain(slow.Seen, f => f.Verb is Verb.Err or Verb.Bye);
        Assert.False(slow.Closed);
    }

    [Fact]
    public async Task ClientSilentInTheMiddleOfAFrameIsPingedThenClosedWithTimeout()
    {
        // 3 s, not 2: the bystander, which must stay, has a whole period to answer its PINGs on a loaded machine.
        await using var server = await InProcessServer.StartAsync("--ping", "3");
        await using var bystander = await server.RegisterAsync("bystander");
        bystander.AutoPong = true;
        await using var stalled = await server.RegisterAsync("stalled");

        stalled.Send("SEND #lobby 10\nhel"); // and then nothing, not even a PONG

        await stalled.ExpectAsync("PING");
        var last = await stalled.ExpectClosedAsync();
        Assert.StartsWith("ERR TIMEOUT * :no frame for ", last[^2].ToString());
        Assert.Equal(Verb.Bye, last[^1].Verb);
        Assert.Equal("QUIT stalled :ping timeout", (await bystander.ExpectAsync("QUIT stalled")).ToString());
        Assert.DoesNotContain(bystander.Seen, f => f.Verb == Verb.Msg && f.Sender() == "stalled");
        await AssertStillChatsAsync(bystander);
    }

    private static async Task AssertStillChatsAsync(TestClient client)
    {
        string text = $"still here {Guid.NewGuid():N}";
        client.Send($"SEND #lobby :{text}\n");
        Assert.Equal(text, (await client.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == text, text)).Text);
    }
}
