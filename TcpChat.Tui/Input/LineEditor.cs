using System.Globalization;

namespace TcpChat.Tui.Input;

/// <summary>
/// The input line: text kept as a list of grapheme clusters, so the cursor moves, deletes and completes whole
/// clusters (👍🏽, e + U+0301, 漢) and never cuts one. After every edit the text is re-segmented, so a combining mark
/// typed on its own joins the character before it. Also the input history (Up/Down, keeping the unsent draft) and
/// Tab completion. Pure: no terminal, no state beyond its own.
/// </summary>
public sealed class LineEditor
{
    /// <summary>How many submitted lines the history keeps.</summary>
    public const int MaxHistory = 500;

    private List<string> _graphemes = [];
    private readonly List<string> _history = [];
    private int _historyIndex = -1; // -1: editing the draft; otherwise the history entry shown
    private string _draft = "";
    private Completion? _completion;

    private sealed record Completion(int Start, int Length, IReadOnlyList<string> Candidates, int Index, bool AtStart);

    public string Text => string.Concat(_graphemes);

    public IReadOnlyList<string> Graphemes => _graphemes;

    /// <summary>The cursor as a grapheme index: 0 before the first, <see cref="Length"/> after the last.</summary>
    public int Cursor { get; private set; }

    /// <summary>Length in graphemes.</summary>
    public int Length => _graphemes.Count;

    public bool IsEmpty => _graphemes.Count == 0;

    /// <summary>Submitted lines, oldest first.</summary>
    public IReadOnlyList<string> History => _history;

    /// <summary>The first grapheme the input view shows (horizontal scroll); kept by the view between frames.</summary>
    public int ViewStart { get; set; }

    /// <summary>Inserts <paramref name="text"/> at the cursor and moves the cursor after it.</summary>
    public void Insert(string text)
    {
        _completion = null;
        if (string.IsNullOrEmpty(text))
            return;
        string before = Prefix(Cursor) + text;
        Resegment(before + Suffix(Cursor), before.Length);
    }

    /// <summary>Deletes the grapheme before the cursor.</summary>
    public bool Backspace()
    {
        _completion = null;
        if (Cursor == 0)
            return false;
        RemoveRange(Cursor - 1, Cursor);
        return true;
    }

    /// <summary>Deletes the grapheme under the cursor.</summary>
    public bool Delete()
    {
        _completion = null;
        if (Cursor >= _graphemes.Count)
            return false;
        RemoveRange(Cursor, Cursor + 1);
        return true;
    }

    public bool Left() => MoveTo(Cursor - 1);
    public bool Right() => MoveTo(Cursor + 1);
    public bool Home() => MoveTo(0);
    public bool End() => MoveTo(_graphemes.Count);

    /// <summary>To the start of the word before the cursor (Alt+B, Ctrl+Left).</summary>
    public bool WordLeft() => MoveTo(WordStartBefore(Cursor));

    /// <summary>To the end of the word after the cursor (Alt+F, Ctrl+Right).</summary>
    public bool WordRight()
    {
        int i = Cursor;
        while (i < _graphemes.Count && IsSpace(_graphemes[i]))
            i++;
        while (i < _graphemes.Count && !IsSpace(_graphemes[i]))
            i++;
        return MoveTo(i);
    }

    /// <summary>Ctrl+W: deletes the spaces before the cursor, then the word before them (whitespace-delimited, as in a shell).</summary>
    public bool DeleteWordBackward()
    {
        _completion = null;
        int start = WordStartBefore(Cursor);
        if (start == Cursor)
            return false;
        RemoveRange(start, Cursor);
        return true;
    }

    /// <summary>Ctrl+U: deletes everything before the cursor.</summary>
    public bool DeleteToStart()
    {
        _completion = null;
        if (Cursor == 0)
            return false;
        RemoveRange(0, Cursor);
        return true;
    }

    /// <summary>Ctrl+K: deletes everything from the cursor on.</summary>
    public bool DeleteToEnd()
    {
        _completion = null;
        if (Cursor >= _graphemes.Count)
            return false;
        RemoveRange(Cursor, _graphemes.Count);
        return true;
    }

    /// <summary>Empties the line (history position and draft are reset; the history is kept).</summary>
    public void Clear()
    {
        _graphemes = [];
        Cursor = 0;
        ViewStart = 0;
        _historyIndex = -1;
        _draft = "";
        _completion = null;
    }

    /// <summary>Replaces the whole text and puts the cursor at its end.</summary>
    public void SetText(string text)
    {
        _completion = null;
        text ??= "";
        Resegment(text, text.Length);
    }

    /// <summary>Returns the text and clears the line; the text joins the history unless blank or equal to the last entry.</summary>
    public string Submit()
    {
        string text = Text;
        if (!string.IsNullOrWhiteSpace(text) && (_history.Count == 0 || _history[^1] != text))
        {
            _history.Add(text);
            if (_history.Count > MaxHistory)
                _history.RemoveAt(0);
        }
        Clear();
        return text;
    }

    /// <summary>Shows the previous history entry; the first step saves the unsent draft. False at the oldest entry.</summary>
    public bool HistoryUp()
    {
        _completion = null;
        if (_history.Count == 0 || _historyIndex == 0)
            return false;
        if (_historyIndex < 0)
        {
            _draft = Text;
            _historyIndex = _history.Count;
        }
        _historyIndex--;
        SetTextKeepingHistory(_history[_historyIndex]);
        return true;
    }

    /// <summary>Shows the next history entry, or the saved draft after the newest. False when already on the draft.</summary>
    public bool HistoryDown()
    {
        _completion = null;
        if (_historyIndex < 0)
            return false;
        _historyIndex++;
        if (_historyIndex >= _history.Count)
        {
            _historyIndex = -1;
            SetTextKeepingHistory(_draft);
            _draft = "";
        }
        else
        {
            SetTextKeepingHistory(_history[_historyIndex]);
        }
        return true;
    }

    /// <summary>
    /// Tab: replaces the word before the cursor with the first of <paramref name="candidates"/>(word); pressed again
    /// (with nothing else in between) it cycles through the others. A nick completed at the start of the line gets
    /// ": " after it, anything else (and a /command) a space. False if nothing matched.
    /// </summary>
    public bool Complete(Func<string, IReadOnlyList<string>> candidates)
    {
        if (_completion is { } previous)
        {
            int next = (previous.Index + 1) % previous.Candidates.Count;
            int length = ReplaceRange(previous.Start, previous.Start + previous.Length, WithSuffix(previous.Candidates[next], previous.AtStart));
            _completion = previous with { Index = next, Length = length };
            return true;
        }

        int start = Cursor;
        while (start > 0 && !IsSpace(_graphemes[start - 1]))
            start--;
        string word = string.Concat(_graphemes.Skip(start).Take(Cursor - start));
        var list = candidates(word);
        if (list.Count == 0)
            return false;
        bool atStart = start == 0;
        int inserted = ReplaceRange(start, Cursor, WithSuffix(list[0], atStart));
        _completion = new Completion(start, inserted, list.ToArray(), 0, atStart);
        return true;
    }

    private static string WithSuffix(string candidate, bool atStart) =>
        candidate + (atStart && !candidate.StartsWith('/') ? ": " : " ");

    private bool MoveTo(int cursor)
    {
        _completion = null;
        cursor = Math.Clamp(cursor, 0, _graphemes.Count);
        if (cursor == Cursor)
            return false;
        Cursor = cursor;
        return true;
    }

    private int WordStartBefore(int index)
    {
        int i = index;
        while (i > 0 && IsSpace(_graphemes[i - 1]))
            i--;
        while (i > 0 && !IsSpace(_graphemes[i - 1]))
            i--;
        return i;
    }

    private static bool IsSpace(string grapheme) => grapheme is " " or "\n" or "\t";

    private string Prefix(int end) => string.Concat(_graphemes.Take(end));
    private string Suffix(int start) => string.Concat(_graphemes.Skip(start));

    private void RemoveRange(int start, int end)
    {
        string before = Prefix(start);
        Resegment(before + Suffix(end), before.Length);
    }

    // Replaces graphemes [start, end) with text; the cursor goes after it. Returns the graphemes the text became.
    private int ReplaceRange(int start, int end, string text)
    {
        string before = Prefix(start);
        Resegment(before + text + Suffix(end), before.Length + text.Length);
        return Cursor - start;
    }

    private void SetTextKeepingHistory(string text) => Resegment(text, text.Length);

    // Splits text into graphemes and puts the cursor after the grapheme that holds char index charIndex - 1.
    private void Resegment(string text, int charIndex)
    {
        var graphemes = new List<string>();
        int cursor = 0, position = 0;
        while (position < text.Length)
        {
            int length = StringInfo.GetNextTextElementLength(text.AsSpan(position));
            graphemes.Add(text.Substring(position, length));
            if (position < charIndex)
                cursor++;
            position += length;
        }
        _graphemes = graphemes;
        Cursor = cursor;
    }
}
