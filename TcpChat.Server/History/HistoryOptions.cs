namespace TcpChat.Server.History;

/// <summary>
/// The settings of message history, bound from the "History" section: appsettings.json, then environment variables
/// (<c>History__MaxPage=200</c>), then the command line (<c>--history-max-page 200</c>, <c>--data-dir /var/lib/tcpchat</c>,
/// <c>--no-history</c>). docs/PROTOCOL.md ("History") says what each one does to the protocol.
/// </summary>
public sealed class HistoryOptions
{
    public const string Section = "History";

    /// <summary>The database file inside <see cref="DataDirectory"/>.</summary>
    public const string DatabaseFileName = "tcpchat.db";

    /// <summary>True: messages are kept in SQLite in <see cref="DataDirectory"/>. False (<c>--no-history</c>): in memory only, lost on restart.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where the database lives. Empty: <c>$STATE_DIRECTORY</c> when systemd sets it, else <c>data/</c> under the current directory.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>How many of a room's last messages a joiner gets after its NAMES; 0 turns it off.</summary>
    public int OnJoin { get; set; } = 50;

    /// <summary>The most messages one HISTORY answer holds (announced in HELLO as <c>history=</c>); a larger limit is capped to it.</summary>
    public int MaxPage { get; set; } = 100;

    /// <summary>Messages older than this many days are pruned.</summary>
    public int MaxAgeDays { get; set; } = 365;

    /// <summary>Only the newest this many messages of each room or private conversation are kept.</summary>
    public int MaxPerTarget { get; set; } = 100_000;

    /// <summary>How often the background pruning runs (it also runs once at start).</summary>
    public int PruneIntervalSeconds { get; set; } = 600;

    /// <summary>The directory the database is in, <see cref="DataDirectory"/> resolved as documented there.</summary>
    public string ResolvedDataDirectory()
    {
        if (DataDirectory.Length > 0) return Path.GetFullPath(DataDirectory);
        // systemd's StateDirectory= may list several directories, colon-separated: the first is ours.
        string? state = Environment.GetEnvironmentVariable("STATE_DIRECTORY")?.Split(':')[0];
        return Path.GetFullPath(string.IsNullOrEmpty(state) ? "data" : state);
    }

    /// <summary>The problems with these settings, one line each; empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxPage is < 1 or > 10_000) yield return $"History:MaxPage must be 1-10000 (got {MaxPage})";
        if (OnJoin < 0 || (OnJoin > MaxPage && MaxPage >= 1)) yield return $"History:OnJoin must be 0-{MaxPage} (History:MaxPage) (got {OnJoin})";
        if (MaxAgeDays is < 1 or > 36_500) yield return $"History:MaxAgeDays must be 1-36500 (got {MaxAgeDays})";
        if (MaxPerTarget is < 1 or > 1_000_000_000) yield return $"History:MaxPerTarget must be 1-1000000000 (got {MaxPerTarget})";
        if (PruneIntervalSeconds is < 1 or > 86_400) yield return $"History:PruneIntervalSeconds must be 1-86400 (got {PruneIntervalSeconds})";
        if (DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0) yield return $"History:DataDirectory is not a path (got '{DataDirectory}')";
    }
}
