using System.Globalization;
using System.Runtime.CompilerServices;
using TcpChat.Tui.App;


namespace TcpChat.Tui.Views;

/// <summary>A piece of one screen row: <see cref="Text"/> drawn at column <see cref="X"/> (relative to the pane) in <see cref="Style"/>.</summary>
public readonly record struct Run(int X, string Text, Style Style);

/// <summary>
/// How a <see cref="ChatLine"/> becomes screen rows at a given pane width: a prefix (<c>HH:mm nick: </c>,
/// <c>HH:mm * nick </c>, <c>HH:mm -- </c>, <c>HH:mm -!- </c>, <c>HH:mm !! </c>) and the sanitized text, word-wrapped
/// by display width with continuation rows (and the rows after a '\n' in the text) indented to the text column,
/// or by 2 when that column is past half the width. Graphemes are never split. Layouts are cached per line and width.
/// </summary>
public static class MessageLayout
{
    private sealed record Cached(int Width, IReadOnlyList<Run[]> Rows);

    private readonly record struct Glyph(string Text, int Width, Style Style)
    {
        public bool IsSpace => Text == " ";
    }

    private static readonly ConditionalWeakTable<ChatLine, Cached> s_cache = new();

    /// <summary>The rows <paramref name="line"/> takes at <paramref name="width"/> columns (before any render: one per text line).</summary>
    public static int RowCount(ChatLine line, int width) =>
        width <= 0 ? line.Text.Count(c => c == '\n') + 1 : Layout(line, width).Count;

    /// <summary>The rows all of <paramref name="lines"/> take at <paramref name="width"/> columns.</summary>
    public static int TotalRows(IReadOnlyList<ChatLine> lines, int width)
    {
        int total = 0;
        for (int i = 0; i < lines.Count; i++)
            total += RowCount(lines[i], width);
        return total;
    }

    /// <summary>The rows of <paramref name="line"/> at <paramref name="width"/> (at least one).</summary>
    public static IReadOnlyList<Run[]> Layout(ChatLine line, int width)
    {
        width = Math.Max(1, width);
        if (s_cache.TryGetValue(line, out var cached) && cached.Width == width)
            return cached.Rows;
        var rows = Build(line, width);
        s_cache.AddOrUpdate(line, new Cached(width, rows));
        return rows;
    }

    /// <summary>The time as shown: local time, HH:mm.</summary>
    public static string FormatTime(DateTimeOffset time) => time.ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture);

    private static IReadOnlyList<Run[]> Build(ChatLine line, int width)
    {
        var prefix = new List<Run>();
        int x = 0;
        void Add(string text, Style style)
        {
            if (text.Length == 0)
                return;
            prefix.Add(new Run(x, text, style));
            x += DisplayWidth.Of(text);
        }

        Add(FormatTime(line.Time), Theme.Time);
        Add(" ", Style.Default);
        Style textStyle = Style.Default;
        string nick = DisplayWidth.Truncate(SafeText.Sanitize(line.Nick ?? ""), Math.Max(4, width / 2 - 8), "…");
        Style nickStyle = line.Mention ? Theme.MentionNick : Theme.Nick(line.Nick ?? "", line.Own);
        switch (line.Kind)
        {
            case LineKind.Message:
                Add(nick, nickStyle);
                Add(": ", Style.Default);
                break;
            case LineKind.Action:
                Add("* ", Style.Default.Add(TextAttributes.Bold));
                Add(nick, nickStyle);
                Add(" ", Style.Default);
                break;
            case LineKind.Join or LineKind.Part or LineKind.Quit or LineKind.Nick:
                Add("-- ", Theme.System);
                textStyle = Theme.System;
                break;
            case LineKind.Error:
                Add("!! ", Theme.Error);
                textStyle = Theme.Error;
                break;
            default:
                Add("-!- ", Theme.InfoMarker);
                textStyle = Theme.Info;
                break;
        }

        int prefixWidth = x;
        int indent = prefixWidth * 2 > width ? Math.Min(2, width - 1) : prefixWidth;
        Style placeholderStyle = textStyle.Add(TextAttributes.Reverse);

        // The text as glyphs, one list per '\n'-separated line.
        var hardLines = new List<List<Glyph>> { new() };
        foreach (var (segment, isPlaceholder) in SafeText.Segments(line.Text, keepNewlines: true))
        {
            if (segment == "\n")
            {
                hardLines.Add([]);
                continue;
            }
            Style style = isPlaceholder ? placeholderStyle : textStyle;
            foreach (string grapheme in DisplayWidth.Graphemes(segment))
            {
                int w = DisplayWidth.OfGrapheme(grapheme);
                if (w > 0)
                    hardLines[^1].Add(new Glyph(grapheme, w, style));
            }
        }

        var rows = new List<Run[]>();
        for (int i = 0; i < hardLines.Count; i++)
        {
            bool first = i == 0;
            int firstWidth = first ? width - prefixWidth : width - indent;
            var wrapped = Wrap(hardLines[i], firstWidth, width - indent);
            for (int r = 0; r < wrapped.Count; r++)
            {
                var runs = new List<Run>();
                if (first && r == 0)
                    runs.AddRange(prefix);
                int start = first && r == 0 ? prefixWidth : indent;
                AppendRuns(runs, wrapped[r], start);
                rows.Add(runs.ToArray());
            }
        }
        return rows;
    }

    private static void AppendRuns(List<Run> runs, List<Glyph> glyphs, int x)
    {
        int i = 0;
        while (i < glyphs.Count)
        {
            int start = x;
            Style style = glyphs[i].Style;
            var text = new System.Text.StringBuilder();
            while (i < glyphs.Count && glyphs[i].Style == style)
            {
                text.Append(glyphs[i].Text);
                x += glyphs[i].Width;
                i++;
            }
            runs.Add(new Run(start, text.ToString(), style));
        }
    }

    // Greedy word wrap: breaks at spaces (dropped at the break), a word wider than a row is cut by grapheme,
    // the first row may be narrower than the others. Always at least one row.
    private static List<List<Glyph>> Wrap(List<Glyph> glyphs, int firstWidth, int restWidth)
    {
        restWidth = Math.Max(1, restWidth);
        var rows = new List<List<Glyph>>();
        var row = new List<Glyph>();
        int rowWidth = 0;
        int limit = Math.Max(0, firstWidth);
        var pending = new List<Glyph>();
        int pendingWidth = 0;

        void Emit()
        {
            rows.Add(row);
            row = [];
            rowWidth = 0;
            limit = restWidth;
        }

        int i = 0;
        while (i < glyphs.Count)
        {
            bool space = glyphs[i].IsSpace;
            int j = i, w = 0;
            while (j < glyphs.Count && glyphs[j].IsSpace == space)
                w += glyphs[j++].Width;
            if (space)
            {
                pending.AddRange(glyphs.GetRange(i, j - i));
                pendingWidth += w;
                i = j;
                continue;
            }

            var word = glyphs.GetRange(i, j - i);
            if (rowWidth + pendingWidth + w <= limit)
            {
                row.AddRange(pending);
                row.AddRange(word);
                rowWidth += pendingWidth + w;
            }
            else
            {
                if (rowWidth > 0 || (rows.Count == 0 && limit < restWidth && (w <= restWidth || limit <= 0)))
                    Emit(); // the word starts a new row (also when a narrow first row would only hold a sliver of it)
                if (w <= limit)
                {
                    row.AddRange(word);
                    rowWidth = w;
                }
                else
                {
                    foreach (var g in word)
                    {
                        if (rowWidth + g.Width > limit && rowWidth > 0)
                            Emit();
                        row.Add(g);
                        rowWidth += g.Width;
                    }
                }
            }
            pending.Clear();
            pendingWidth = 0;
            i = j;
        }
        if (row.Count > 0 || rows.Count == 0)
            rows.Add(row);
        return rows;
    }
}
