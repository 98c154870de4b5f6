using System.Globalization;
using System.Text;

namespace TcpChat.Tui.Views;

/// <summary>
/// Greedy word wrap measured in terminal columns.
/// <list type="bullet">
/// <item>'\n' (and "\r\n", '\r') are hard breaks; an empty input gives one empty line.</item>
/// <item>Lines break at spaces; the spaces at a break are dropped, spaces inside a line are kept,
/// leading spaces of the first line are kept when they fit (indentation).</item>
/// <item>A word longer than the width starts on a new line and is cut by grapheme cluster.</item>
/// <item>A grapheme is never split; a wide grapheme that does not fit the remaining column moves
/// to the next line. Only when width is 1 can a line (a lone wide grapheme) exceed the width.</item>
/// </list>
/// </summary>
public static class TextWrap
{
    public static IReadOnlyList<string> Wrap(string text, int width)
    {
        width = Math.Max(1, width);
        var lines = new List<string>();
        foreach (string hardLine in text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n'))
            WrapLine(hardLine, width, lines);
        return lines;
    }

    private static void WrapLine(string text, int width, List<string> lines)
    {
        var line = new StringBuilder();
        int lineWidth = 0;
        int lineCount = lines.Count;
        string pendingSpaces = ""; // spaces seen after the last word, added only if the next word fits

        foreach (var (token, tokenWidth, isSpace) in Tokens(text))
        {
            if (isSpace)
            {
                pendingSpaces += token;
                continue;
            }

            int spacesWidth = pendingSpaces.Length; // spaces are ASCII: one column each
            if (lineWidth + spacesWidth + tokenWidth <= width)
            {
                line.Append(pendingSpaces).Append(token);
                lineWidth += spacesWidth + tokenWidth;
            }
            else
            {
                if (lineWidth > 0)
                    Emit();
                if (tokenWidth <= width)
                {
                    line.Append(token);
                    lineWidth = tokenWidth;
                }
                else
                {
                    BreakLongWord(token);
                }
            }
            pendingSpaces = "";
        }

        // Trailing spaces are kept only while they fit (they are invisible anyway).
        if (pendingSpaces.Length > 0 && lineWidth + pendingSpaces.Length <= width)
            line.Append(pendingSpaces);
        if (line.Length > 0 || lines.Count == lineCount)
            Emit();

        void Emit()
        {
            lines.Add(line.ToString());
            line.Clear();
            lineWidth = 0;
        }

        // Fills whole lines grapheme by grapheme; the last piece stays open for the next words.
        void BreakLongWord(string word)
        {
            foreach (string grapheme in DisplayWidth.Graphemes(word))
            {
                int w = DisplayWidth.OfGrapheme(grapheme);
                if (lineWidth + w > width && lineWidth > 0)
                    Emit();
                line.Append(grapheme);
                lineWidth += w;
            }
        }
    }

    // Splits into runs of spaces and runs of non-spaces (words), each with its width.
    private static IEnumerable<(string Token, int Width, bool IsSpace)> Tokens(string text)
    {
        int start = 0, width = 0;
        bool? inSpace = null;
        for (int i = 0; i < text.Length;)
        {
            int length = StringInfo.GetNextTextElementLength(text.AsSpan(i));
            bool isSpace = length == 1 && text[i] == ' ';
            if (inSpace is bool current && current != isSpace)
            {
                yield return (text[start..i], width, current);
                start = i;
                width = 0;
            }
            inSpace = isSpace;
            width += DisplayWidth.OfGrapheme(text.AsSpan(i, length));
            i += length;
        }
        if (inSpace is bool last)
            yield return (text[start..], width, last);
    }
}
