using TcpChat.Tui.App;

namespace TcpChat.Tests.Tui.App;

public sealed class BackoffAndConfigTests
{
    [Fact]
    public void BackoffDoublesWithJitterUpToTheCap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new Random(42));
        double[] ceilings = [1, 2, 4, 8, 16, 30, 30, 30];
        foreach (double ceiling in ceilings)
        {
            double delay = backoff.Next().TotalSeconds;
            Assert.InRange(delay, ceiling / 2, ceiling); // equal jitter: half fixed, half random
        }
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalSeconds, 0.5, 1);
    }

    [Fact]
    public void JitterSpreadsClientsThatWereCutOffTogether()
    {
        var delays = Enumerable.Range(0, 20)
            .Select(seed => new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new Random(seed)))
            .Select(b => { b.Next(); b.Next(); return b.Next().TotalMilliseconds; })
            .ToList();
        Assert.True(delays.Distinct().Count() > 15);
    }

    [Fact]
    public void ConfigFileSetsWhatFlagsDoNot()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tcpchat-config-{Guid.NewGuid():N}");
        File.WriteAllText(path, "# my settings\nhost = chat.example.org\nport=7000\nnick = João\nrooms = #rust #café\nbell = false\n");
        try
        {
            var options = ConfigFile.Load(path, new ClientOptions());
            Assert.Equal("chat.example.org", options.Host);
            Assert.Equal(7000, options.Port);
            Assert.Equal("João", options.Nick);
            Assert.Equal(["#rust", "#café"], options.Rooms);
            Assert.False(options.Bell);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("port = many", "bad value for port")]
    [InlineData("colour = red", "unknown key 'colour'")]
    [InlineData("just words", "expected key = value")]
    public void ConfigFileMistakesNameTheLine(string line, string expected)
    {
        string path = Path.Combine(Path.GetTempPath(), $"tcpchat-config-{Guid.NewGuid():N}");
        File.WriteAllText(path, "host = a\n" + line + "\n");
        try
        {
            var e = Assert.Throws<FormatException>(() => ConfigFile.Load(path, new ClientOptions()));
            Assert.Contains($"{path}:2:", e.Message);
            Assert.Contains(expected, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingConfigFileChangesNothing()
    {
        var defaults = new ClientOptions();
        Assert.Same(defaults, ConfigFile.Load("/nonexistent/tcpchat/config", defaults));
    }
}
