using TcpChat.Server.History;

namespace TcpChat.Tests.Server.History;

/// <summary>Every history limit is accepted at its bounds and refused one step past them, with a line naming it.</summary>
public sealed class HistoryOptionsTests
{
    [Theory]
    [InlineData(nameof(HistoryOptions.MaxPage), 1, 10_000, 0, 10_001)]
    [InlineData(nameof(HistoryOptions.OnJoin), 0, 100, -1, 101)] // at most MaxPage, 100 by default
    [InlineData(nameof(HistoryOptions.MaxAgeDays), 1, 36_500, 0, 36_501)]
    [InlineData(nameof(HistoryOptions.MaxPerTarget), 1, 1_000_000_000, 0, 1_000_000_001)]
    [InlineData(nameof(HistoryOptions.PruneIntervalSeconds), 1, 86_400, 0, 86_401)]
    public void LimitIsAcceptedAtItsBoundsAndRefusedPastThem(string name, int lowest, int highest, int under, int over)
    {
        foreach (int ok in new[] { lowest, highest }) Assert.Empty(With(name, ok).Validate());
        foreach (int bad in new[] { under, over })
            Assert.Equal([$"History:{name} must be"], With(name, bad).Validate().Select(p => p[..p.IndexOf(" be", StringComparison.Ordinal)] + " be"));
    }

    [Fact]
    public void DefaultsAreValid() => Assert.Empty(new HistoryOptions().Validate());

    [Fact]
    public void DataDirectoryIsTheOneGivenElseStateDirectoryElseDataUnderTheCurrentDirectory()
    {
        Assert.Equal(Path.GetFullPath("/srv/chat"), new HistoryOptions { DataDirectory = "/srv/chat" }.ResolvedDataDirectory());
        string? state = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        string expected = string.IsNullOrEmpty(state) ? Path.GetFullPath("data") : Path.GetFullPath(state.Split(':')[0]);
        Assert.Equal(expected, new HistoryOptions().ResolvedDataDirectory()); // STATE_DIRECTORY itself: HistoryPersistenceTests
    }

    private static HistoryOptions With(string name, int value)
    {
        var options = new HistoryOptions { OnJoin = name == nameof(HistoryOptions.MaxPage) ? 1 : 50 };
        typeof(HistoryOptions).GetProperty(name)!.SetValue(options, value);
        return options;
    }
}
