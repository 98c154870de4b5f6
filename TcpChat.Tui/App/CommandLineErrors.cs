using System.CommandLine;

namespace TcpChat.Tui.App;

/// <summary>
/// Turns a failed parse of the command line into one line for the user: an unknown option is named with the
/// nearest known one (<c>tcpchat: unknown option '--nikc' (did you mean --nick?)</c>), anything else gives the
/// parser's own first message. The caller exits with <see cref="ExitCode"/>.
/// </summary>
public static class CommandLineErrors
{
    /// <summary>The exit code for a command line that cannot be used (as for a bad value).</summary>
    public const int ExitCode = 2;

    /// <summary>The line to print, or null when the command line parsed cleanly.</summary>
    public static string? Describe(ParseResult result, Command command)
    {
        if (result.Errors.Count == 0)
            return null;
        var names = command.Options.SelectMany(o => o.Aliases.Append(o.Name)).Distinct().ToList();
        foreach (string token in result.UnmatchedTokens)
        {
            if (token.StartsWith('-'))
            {
                string flag = token.Split('=', 2)[0];
                string? nearest = Nearest(flag, names);
                return nearest is null
                    ? $"tcpchat: unknown option '{flag}' (tcpchat --help lists them)"
                    : $"tcpchat: unknown option '{flag}' (did you mean {nearest}?)";
            }
            return $"tcpchat: unexpected argument '{token}' (tcpchat --help lists the options)";
        }
        string message = result.Errors[0].Message;
        var bad = System.Text.RegularExpressions.Regex.Match(message, "^Cannot parse argument '(.*)' for option '(.*?)'");
        return bad.Success ? $"tcpchat: bad value '{bad.Groups[1].Value}' for {bad.Groups[2].Value}" : $"tcpchat: {message}";
    }

    /// <summary>The known name closest to <paramref name="flag"/> by edit distance, if it is close enough to be a typo.</summary>
    public static string? Nearest(string flag, IEnumerable<string> names)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in names.Where(n => n.StartsWith("--", StringComparison.Ordinal)))
        {
            int d = Distance(flag, name);
            if (d < bestDistance)
            {
                best = name;
                bestDistance = d;
            }
        }
        // A typo is a few edits away; an unrelated word is not a suggestion.
        return bestDistance <= Math.Max(2, flag.Length / 3) ? best : null;
    }

    // Damerau-Levenshtein (optimal string alignment): a swap of two letters counts as one edit, as in --nikc.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
