using Microsoft.Playwright;

namespace TcpChat.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (<c>apt-get install -y chromium</c>; ./run-tests.sh installs it), headless, driven by Playwright.
/// Playwright never downloads a browser here: it is given the executable. A missing browser fails the test, it is never
/// skipped. Each user gets a context of their own (their own storage, as a separate browser profile).
/// </summary>
public sealed class HeadlessChromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>How long a page may take to show what a test waits for.</summary>
    public const float TimeoutMs = 60_000;

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"Chromium is not installed ({ExecutablePath}): ./run-tests.sh installs it, or apt-get install -y chromium");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            Timeout = TimeoutMs,
        });
    }

    /// <summary>A new user: a fresh context (no storage shared with the others) and a page, opened at <paramref name="url"/>.</summary>
    public async Task<IPage> OpenAsync(string url, int width = 1000, int height = 640)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(TimeoutMs);
        var page = await context.NewPageAsync();
        await page.GotoAsync(url);
        return page;
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_browser is not null) await _browser.CloseAsync();
        }
        finally
        {
            _playwright?.Dispose();
        }
    }
}
