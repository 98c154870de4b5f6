namespace TcpChat.Server;

/// <summary>
/// Checks the command line before the host reads it: the configuration library takes any <c>--word value</c> as a
/// setting, so a typo (<c>--prot 7000</c>) would be ignored and the server would start on the default port as if
/// nothing was said. Known are the friendly flags of <see cref="ServerHost.Flags"/> and
/// <c>--Section:Key[=value]</c> for a real setting of the Chat, History or Security sections (and any Logging key).
/// </summary>
internal static class CommandLine
{
    /// <summary>Sections whose keys are checked against their options class.</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [ChatOptions.Section] = typeof(ChatOptions),
        [History.HistoryOptions.Section] = typeof(History.HistoryOptions),
        [Security.SecurityOptions.Section] = typeof(Security.SecurityOptions),
        [Cluster.ClusterOptions.Section] = typeof(Cluster.ClusterOptions),
    };

    /// <summary>One line naming what is wrong with <paramref name="args"/> (and the nearest known flag), or null.</summary>
    public static string? Problem(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith('-')) return $"unexpected argument '{arg}'";
            string name = arg.Split('=', 2)[0];
            bool hasValue = name.Length < arg.Length;
            if (name is "--help" or "-h" or ServerHost.NoHistoryFlag or ServerHost.TlsFlag) continue; // switches
            if (ServerHost.Flags.ContainsKey(name) || IsSettingKey(name))
            {
                if (!hasValue && ++i >= args.Count) return $"{name} needs a value";
                continue;
            }
            string? nearest = Nearest(name);
            return nearest is null ? $"unknown flag {name}" : $"unknown flag {name} (did you mean {nearest}?)";
        }
        return null;
    }

    private static bool IsSettingKey(string name)
    {
        string key = name.TrimStart('-', '/');
        string[] parts = key.Split(':');
        if (parts.Length < 2) return false;
        if (parts[0].Equals("Logging", StringComparison.OrdinalIgnoreCase)) return true;
        return parts.Length == 2 && Sections.TryGetValue(parts[0], out Type? options)
            && options.GetProperty(parts[1], System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance
                                               | System.Reflection.BindingFlags.IgnoreCase) is not null;
    }

    /// <summary>The known flag closest to <paramref name="name"/> in edits, if it is close enough to be a typo.</summary>
    private static string? Nearest(string name)
    {
        var (best, distance) = ServerHost.Flags.Keys.Append("--help")
            .Select(flag => (flag, Distance(name, flag)))
            .MinBy(pair => pair.Item2);
        return distance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
