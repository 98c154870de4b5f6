using Microsoft.Playwright;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;
using static Microsoft.Playwright.Assertions;

namespace TcpChat.Tests.Web;

/// <summary>
/// The web page in a real browser (Debian's headless Chromium, driven by Playwright), against the real server, beside
/// TCP users: what a person sees and does. One browser for the class; each user is a context of their own.
/// </summary>
public sealed class BrowserTests(HeadlessChromium chromium) : IClassFixture<HeadlessChromium>
{
    static BrowserTests() => SetDefaultExpectTimeout(HeadlessChromium.TimeoutMs);

    [Fact]
    public async Task BrowserAndTcpUsersChatBothWaysWithJoinAndQuitNotices()
    {
        await using var server = await WebKit.StartAsync();
        await using var bob = await server.RegisterAsync("bob");
        var page = await chromium.OpenAsync($"http://127.0.0.1:{server.WebPort}/");
        try
        {
            await LoginAsync(page, "João");
            await bob.ExpectAsync("JOIN #lobby João");
            await Expect(Users(page)).ToContainTextAsync(["bob", "João"]);

            await SayAsync(page, "olá bob, 漢字 👍🏽");
            Assert.Equal("olá bob, 漢字 👍🏽", (await bob.ExpectAsync("MSG #lobby João")).Text);
            await Expect(Line(page, "olá bob, 漢字 👍🏽")).ToBeVisibleAsync();

            bob.Send("SEND #lobby :oi João, tudo bem?\n");
            await Expect(Line(page, "oi João, tudo bem?")).ToBeVisibleAsync();

            await using (var carol = await server.RegisterAsync("Conceição"))
            {
                await Expect(Notice(page, "Conceição joined #lobby")).ToBeVisibleAsync();
                carol.Send("QUIT :até logo\n");
                await carol.ExpectAsync("BYE");
            }
            await Expect(Notice(page, "Conceição quit (até logo)")).ToBeVisibleAsync();

            await SayAsync(page, "/quit tchau");
            Assert.Equal("tchau", (await bob.ExpectAsync("QUIT João")).Text);
            await Expect(page.Locator("#status")).ToContainTextAsync("disconnected");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task TwoBrowserUsersTalkPrivately()
    {
        await using var server = await WebKit.StartAsync();
        await using var carol = await server.RegisterAsync("carol");
        var alice = await chromium.OpenAsync($"http://127.0.0.1:{server.WebPort}/");
        var bob = await chromium.OpenAsync($"http://127.0.0.1:{server.WebPort}/");
        try
        {
            await LoginAsync(alice, "alice");
            await LoginAsync(bob, "bob");
            await SayAsync(alice, "/msg bob psst, just between us");
            // bob's page opens a tab for alice, with one unread message that counts as a mention.
            var tab = bob.Locator("#tabs .tab", new() { HasTextString = "alice" });
            await Expect(tab).ToContainTextAsync("(!1)");
            await tab.ClickAsync();
            await Expect(Line(bob, "psst, just between us")).ToBeVisibleAsync();
            await SayAsync(bob, "ok, 私も");
            await Expect(alice.Locator("#tabs .tab.active")).ToContainTextAsync("bob");
            await Expect(Line(alice, "ok, 私も")).ToBeVisibleAsync();
            // Nobody else got it: carol's next frame after a PING round trip is the PONG, and no MSG before it.
            carol.Send("PING after\n");
            await carol.ExpectAsync("PONG after");
            Assert.DoesNotContain(carol.Seen, f => f.Verb == Verb.Msg);
        }
        finally
        {
            await alice.Context.CloseAsync();
            await bob.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task AReloadKeepsTheNickAndShowsTheHistoryAndOlderPagesOnScroll()
    {
        await using var server = await WebKit.StartAsync("--history-on-join", "30");
        await using var bob = await server.RegisterAsync("bob");
        // A short window: the 30 messages of the join overflow it, so older ones come only when scrolled to.
        var page = await chromium.OpenAsync($"http://127.0.0.1:{server.WebPort}/", height: 420);
        try
        {
            await LoginAsync(page, "alice");
            for (int i = 1; i <= 40; i++) bob.Send($"SEND #lobby :message {i}\n");
            await Expect(Line(page, "message 40")).ToBeVisibleAsync();

            await page.ReloadAsync();
            // Back in by itself, under the same nick (the old session's end may come a moment later).
            await Expect(page.Locator("#me")).ToHaveTextAsync("alice");
            await bob.ExpectAsync("JOIN #lobby alice");
            await Expect(Line(page, "message 40")).ToBeVisibleAsync();
            await Expect(Line(page, "message 11")).ToHaveCountAsync(1);
            Assert.Equal(0, await Line(page, "message 10").CountAsync()); // only the last 30 come with the join
            // Scrolled to the top, the page asks for the older ones.
            await page.Locator("#messages").EvaluateAsync("pane => pane.scrollTop = 0");
            await Expect(Line(page, "message 1")).ToHaveCountAsync(1);
            // Once more at the top: an empty page says there is nothing older.
            await page.Locator("#messages").EvaluateAsync("pane => pane.scrollTop = 0");
            await Expect(page.Locator("#messages .more")).ToHaveTextAsync("the beginning of the history");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task MarkupAndBidiControlsInMessagesShowAsText()
    {
        await using var server = await WebKit.StartAsync();
        await using var mallory = await server.RegisterAsync("mallory");
        var page = await chromium.OpenAsync($"http://127.0.0.1:{server.WebPort}/");
        bool dialog = false;
        page.Dialog += (_, d) => { dialog = true; _ = d.DismissAsync(); };
        try
        {
            await LoginAsync(page, "alice");
            string[] attacks =
            [
                "<img src=x onerror=alert(1)>",
                "<script>window.pwned = 1</script>",
                "abc\u202Edef.exe",
                "<b>bold</b> &amp; <a href=\"javascript:alert(2)\">link</a>",
            ];
            foreach (string text in attacks) mallory.Send($"SEND #lobby :{text}\n");
            mallory.Send("SEND #lobby :done\n");
            await Expect(Line(page, "done")).ToBeVisibleAsync();
            var texts = await page.Locator("#messages .line bdi.text").AllTextContentsAsync();
            foreach (string text in attacks) Assert.Contains(text, texts);
            Assert.Equal(0, await page.Locator("#messages img, #messages script, #messages b, #messages a").CountAsync());
            Assert.False(dialog);
            Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.pwned"));
            // Each nick and text is isolated for bidi: the U+202E stays inside its <bdi>.
            Assert.Equal(2, await page.Locator("#messages .line").Filter(new() { HasTextString = "done" }).Locator("bdi").CountAsync());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task ThePageReconnectsByItselfAfterTheServerRestarts()
    {
        string data = Directory.CreateTempSubdirectory("tcpchat-web-").FullName;
        try
        {
            int port, webPort;
            var page = default(IPage);
            await using (var first = await ServerProcess.StartAsync("--web-port", "0", "--data-dir", data))
            {
                port = first.Port;
                webPort = first.WebPort;
                page = await chromium.OpenAsync($"http://127.0.0.1:{webPort}/");
                await LoginAsync(page, "alice");
                await SayAsync(page, "before the restart");
                await Expect(Line(page, "before the restart")).ToBeVisibleAsync();
                first.Signal(15);
                Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            }
            try
            {
                await Expect(page.Locator("#status")).ToContainTextAsync("reconnecting");
                await Expect(Line(page, "SHUTDOWN: server shutting down")).ToBeVisibleAsync(); // the ERR before the BYE
                // The same ports again (they were the first server's, read back from it), the same history.
                await using var second = await ServerProcess.StartAsync("--port", port.ToString(), "--web-port", webPort.ToString(), "--data-dir", data);
                await using var bob = await TestClient.ConnectAsync(second.Port);
                bob.Send("NICK bob\n");
                await bob.ExpectAsync("NICK * bob");
                // The page may be back before bob (its back-off is random): then alice is in bob's NAMES, not a JOIN.
                var names = await bob.ExpectAsync("NAMES #lobby");
                bob.Send("SEND #lobby :said while you were away\n");
                await bob.ExpectAsync("MSG #lobby bob");
                if (!names.ToString().Contains("alice", StringComparison.Ordinal))
                    await bob.ExpectAsync("JOIN #lobby alice", TimeSpan.FromSeconds(90));
                await Expect(page.Locator("#status")).ToHaveTextAsync("connected");
                await Expect(Line(page, "said while you were away")).ToBeVisibleAsync();
                await Expect(Line(page, "before the restart")).ToHaveCountAsync(1); // shown once, not again from history
                await SayAsync(page, "back");
                Assert.Equal("back", (await bob.ExpectAsync("MSG #lobby alice")).Text);
            }
            finally
            {
                await page.Context.CloseAsync();
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>
    /// A scene for the README: accented, CJK and emoji text from terminal users, a private tab with a mention. Written to
    /// docs/web-client.png when TCPCHAT_SCREENSHOT=1, else to a temporary file.
    /// </summary>
    [Fact]
    public async Task APageWithAccentsCjkAndEmojiIsDrawnAndPhotographed()
    {
        await using var server = await WebKit.StartAsync("--server-name", "chat.example");
        await using var conceicao = await server.RegisterAsync("Conceição");
        await using var misaki = await server.RegisterAsync("美咲");
        await using var bob = await server.RegisterAsync("bob");
        var page = await chromium.OpenAsync($"http://127.0.0.1:{server.WebPort}/", width: 960, height: 540);
        string file = Environment.GetEnvironmentVariable("TCPCHAT_SCREENSHOT") == "1"
            ? Repo.PathOf("docs", "web-client.png")
            : Path.Combine(Path.GetTempPath(), $"tcpchat-web-{Guid.NewGuid():N}.png");
        try
        {
            await LoginAsync(page, "João");
            conceicao.Send("SEND #lobby :bom dia! alguém viu o PR do parser?\n");
            await Expect(Line(page, "bom dia! alguém viu o PR do parser?")).ToBeVisibleAsync();
            await SayAsync(page, "sim, está ótimo 👍🏽");
            await Expect(Line(page, "sim, está ótimo 👍🏽")).ToBeVisibleAsync();
            misaki.Send("SEND #lobby :漢字のニックネームも大丈夫です 🎉\n");
            await Expect(Line(page, "漢字のニックネームも大丈夫です 🎉")).ToBeVisibleAsync();
            bob.Send("SEND #lobby :yes — it splits frames at every byte position now, and a long message wraps under its text instead of running off the edge of the window\n");
            await Expect(Line(page, "yes — it splits frames at every byte position now, and a long message wraps under its text instead of running off the edge of the window")).ToBeVisibleAsync();
            bob.Send("SEND João :lunch at 1? 🍜\n");
            await Expect(page.Locator("#tabs .tab", new() { HasTextString = "bob" })).ToContainTextAsync("(!1)");
            await page.Locator("#input").FillAsync("/me waves");
            // Every glyph drawn (fonts loaded), then the picture.
            await page.EvaluateAsync("document.fonts.ready");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = file });
            Assert.True(new FileInfo(file).Length > 10_000, "the screenshot is nearly empty");
        }
        finally
        {
            await page.Context.CloseAsync();
            if (!file.StartsWith(Repo.Root, StringComparison.Ordinal)) File.Delete(file);
        }
    }

    private static async Task LoginAsync(IPage page, string nick)
    {
        await page.Locator("#nick").FillAsync(nick);
        await page.Locator("#go").ClickAsync();
        await Expect(page.Locator("#me")).ToHaveTextAsync(nick);
        await Expect(page.Locator("#tabs .tab", new() { HasTextString = "#lobby" })).ToBeVisibleAsync();
    }

    private static async Task SayAsync(IPage page, string text)
    {
        await page.Locator("#input").FillAsync(text);
        await page.Locator("#input").PressAsync("Enter");
    }

    /// <summary>A message line whose text is exactly <paramref name="text"/>.</summary>
    private static ILocator Line(IPage page, string text) =>
        page.Locator("#messages .line bdi.text").GetByText(text, new() { Exact = true });

    private static ILocator Notice(IPage page, string text) =>
        page.Locator("#messages .line.notice").GetByText(text, new() { Exact = true });

    private static ILocator Users(IPage page) => page.Locator("#users .user");
}
