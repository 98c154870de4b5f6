using System.CommandLine;
using System.CommandLine.Parsing;

namespace TcpChat.Bench;

/// <summary>
/// A command line System.CommandLine could not make sense of, said in one line: the first word it did not know and the
/// nearest one it does (<c>tcpchat-bench fanout: unknown option --recievers (did you mean --receivers?)</c>), instead
/// of its help text. The caller exits with 2, as for a bad value.
/// </summary>
public static class CommandLineErrors
{
    public static string OneLine(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        string who = command is RootCommand ? "tcpchat-bench" : $"tcpchat-bench {command.Name}";
        if (parsed.UnmatchedTokens.FirstOrDefault() is { } unknown)
        {
            bool isOption = unknown.StartsWith('-');
            var known = isOption
                ? command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal))
                : command.Subcommands.Select(c => c.Name);
            string what = isOption ? "unknown option" : command.Subcommands.Count > 0 ? "unknown command" : "unexpected argument";
            return Nearest(unknown, known) is { } near
                ? $"{who}: {what} {unknown} (did you mean {near}?)"
                : $"{who}: {what} {unknown}";
        }
        return $"{who}: {parsed.Errors[0].Message}";
    }

    /// <summary>The known word at the smallest edit distance, if it is close enough to be what was meant.</summary>
    public static string? Nearest(string word, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known.Distinct())
        {
            int d = Distance(word, candidate);
            if (d < bestDistance) (best, bestDistance) = (candidate, d);
        }
        return bestDistance <= Math.Max(2, word.Length / 3) ? best : null;
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
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
