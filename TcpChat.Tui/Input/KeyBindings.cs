using System.Text;
using TcpChat.Tui.App;


namespace TcpChat.Tui.Input;

/// <summary>What the host should do after a key or paste was handled. Match on the nested types.</summary>
public abstract record InputResult
{
    private InputResult() { }

    /// <summary>Nothing changed.</summary>
    public sealed record None : InputResult;

    /// <summary>The state changed: draw a frame.</summary>
    public sealed record Redraw : InputResult;

    /// <summary>The user entered a line (Enter on a non-blank input): send it or run the /command. The input is already cleared.</summary>
    public sealed record Submit(string Text) : InputResult;

    /// <summary>Ctrl+C, or Ctrl+D on an empty line.</summary>
    public sealed record Quit : InputResult;

    /// <summary>Ctrl+L (and a resize): repaint the whole terminal, not just what changed.</summary>
    public sealed record FullRedraw : InputResult;

    public static readonly InputResult Nothing = new None();
    public static readonly InputResult Changed = new Redraw();
}

/// <summary>
/// The client's keys, applied to a <see cref="ChatState"/>:
/// <list type="table">
/// <item><term>printable keys</term><description>insert at the cursor</description></item>
/// <item><term>Enter / Alt+Enter</term><description>submit the line (nothing on a blank line) / insert a newline</description></item>
/// <item><term>Left Right Home End, Ctrl+A Ctrl+E, Ctrl+B Ctrl+F</term><description>move in the input</description></item>
/// <item><term>Alt+B Alt+F, Ctrl+Left Ctrl+Right</term><description>move by word</description></item>
/// <item><term>Backspace Delete, Ctrl+W Alt+Backspace, Ctrl+U, Ctrl+K</term><description>delete a grapheme / the word before / all before / all after the cursor</description></item>
/// <item><term>Up Down</term><description>input history (the draft is kept)</description></item>
/// <item><term>Tab</term><description>complete a nick (recent speakers first) or a /command; again to cycle</description></item>
/// <item><term>PgUp PgDn</term><description>scroll the messages a page; Ctrl+Home/Alt+Home, Ctrl+End/Alt+End: to the top/bottom
/// (plain Home/End edit the input)</description></item>
/// <item><term>Alt+1..9, Alt+0</term><description>tab 1..9 (1 is the server tab), 10</description></item>
/// <item><term>Ctrl+N Ctrl+P, Alt+Right Alt+Left</term><description>next / previous tab</description></item>
/// <item><term>Alt+A</term><description>the next tab with mentions, else with unread messages</description></item>
/// <item><term>F2, Alt+U</term><description>show / hide the user list</description></item>
/// <item><term>Ctrl+L</term><description>redraw</description></item>
/// <item><term>Ctrl+C; Ctrl+D on an empty line</term><description>quit (Ctrl+D otherwise deletes under the cursor)</description></item>
/// <item><term>Esc</term><description>cancel a pending paste</description></item>
/// </list>
/// A paste is inserted, never sent; a final newline is dropped; a paste of two or more lines waits for
/// confirmation in <see cref="ChatState.PendingPaste"/> (Enter inserts it as one multi-line message, Esc drops it).
/// </summary>
public static class KeyBindings
{
    /// <summary>Spaces a TAB in pasted text becomes (the protocol allows TAB, but the input line has no tab stops).</summary>
    public const int PasteTabWidth = 4;

    public static InputResult Handle(TerminalEvent e, ChatState state) => e switch
    {
        PasteEvent paste => Paste(paste.Text, state),
        KeyEvent key => state.PendingPaste is not null ? ConfirmPaste(key, state) : HandleKey(key, state),
        ResizeEvent => new InputResult.FullRedraw(),
        _ => InputResult.Nothing,
    };

    private static InputResult HandleKey(KeyEvent key, ChatState state)
    {
        var input = state.Input;
        var mods = key.Modifiers;
        bool ctrl = mods.HasFlag(KeyModifiers.Ctrl), alt = mods.HasFlag(KeyModifiers.Alt);

        if (key.Key == Key.Char)
        {
            int c = key.Rune.Value;
            if (ctrl && !alt)
            {
                switch (c)
                {
                    case 'a': return Changed(input.Home());
                    case 'e': return Changed(input.End());
                    case 'b': return Changed(input.Left());
                    case 'f': return Changed(input.Right());
                    case 'w': return Changed(input.DeleteWordBackward());
                    case 'u': return Changed(input.DeleteToStart());
                    case 'k': return Changed(input.DeleteToEnd());
                    case 'n': state.Next(); return InputResult.Changed;
                    case 'p': state.Previous(); return InputResult.Changed;
                    case 'l': return new InputResult.FullRedraw();
                    case 'c': return new InputResult.Quit();
                    case 'd': return input.IsEmpty ? new InputResult.Quit() : Changed(input.Delete());
                    default: return InputResult.Nothing;
                }
            }
            if (alt && !ctrl)
            {
                switch (c)
                {
                    case >= '1' and <= '9': return Changed(state.SwitchTo(c - '1'));
                    case '0': return Changed(state.SwitchTo(9));
                    case 'a' or 'A': return Changed(state.NextUnread());
                    case 'u' or 'U': return ToggleUserList(state);
                    case 'b': return Changed(input.WordLeft());
                    case 'f': return Changed(input.WordRight());
                    default: return InputResult.Nothing;
                }
            }
            if ((mods & ~KeyModifiers.Shift) != KeyModifiers.None || !IsInsertable(key.Rune))
                return InputResult.Nothing;
            input.Insert(key.Rune.ToString());
            return InputResult.Changed;
        }

        switch (key.Key)
        {
            case Key.Enter:
                if (alt)
                {
                    input.Insert("\n");
                    return InputResult.Changed;
                }
                if (string.IsNullOrWhiteSpace(input.Text))
                    return InputResult.Nothing;
                state.ScrollToBottom();
                return new InputResult.Submit(input.Submit());
            case Key.Tab when mods == KeyModifiers.None:
                return Changed(input.Complete(state.CompletionCandidates));
            case Key.Backspace:
                return Changed(alt || ctrl ? input.DeleteWordBackward() : input.Backspace());
            case Key.Delete:
                return Changed(input.Delete());
            case Key.Left:
                return alt && !ctrl ? Switch(state, next: false)
                    : Changed(ctrl ? input.WordLeft() : input.Left());
            case Key.Right:
                return alt && !ctrl ? Switch(state, next: true)
                    : Changed(ctrl ? input.WordRight() : input.Right());
            case Key.Home:
                if (ctrl || alt)
                    return Scrolled(state, state.ScrollToTop);
                return Changed(input.Home());
            case Key.End:
                if (ctrl || alt)
                    return Scrolled(state, state.ScrollToBottom);
                return Changed(input.End());
            case Key.Up:
                return Changed(input.HistoryUp());
            case Key.Down:
                return Changed(input.HistoryDown());
            case Key.PageUp:
                return Scrolled(state, state.PageUp);
            case Key.PageDown:
                return Scrolled(state, state.PageDown);
            case Key.F2:
                return ToggleUserList(state);
            default:
                return InputResult.Nothing;
        }
    }

    // While a paste waits for confirmation only Enter, Esc and Ctrl+C do anything.
    private static InputResult ConfirmPaste(KeyEvent key, ChatState state)
    {
        if (key.IsCtrl('c'))
            return new InputResult.Quit();
        if (key.Key == Key.Enter && key.Modifiers == KeyModifiers.None)
        {
            state.Input.Insert(state.PendingPaste!.Text);
            state.PendingPaste = null;
            return InputResult.Changed;
        }
        if (key.Key == Key.Escape || key.IsCtrl('g'))
        {
            state.PendingPaste = null;
            return InputResult.Changed;
        }
        return InputResult.Nothing;
    }

    private static InputResult Paste(string text, ChatState state)
    {
        text = CleanPaste(text);
        if (text.EndsWith('\n'))
            text = text[..^1];
        if (text.Length == 0)
            return InputResult.Nothing;
        if (text.Contains('\n'))
        {
            state.PendingPaste = new PendingPaste(text);
            return InputResult.Changed;
        }
        state.Input.Insert(text);
        return InputResult.Changed;
    }

    // Keeps what may be sent: LF stays, TAB becomes spaces, CR becomes LF, other controls (ESC...) are dropped.
    private static string CleanPaste(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune rune in text.Replace("\r\n", "\n").EnumerateRunes())
        {
            int c = rune.Value;
            if (c == '\n' || c == '\r')
                sb.Append('\n');
            else if (c == '\t')
                sb.Append(' ', PasteTabWidth);
            else if (IsInsertable(rune))
                sb.Append(rune.ToString());
        }
        return sb.ToString();
    }

    private static bool IsInsertable(Rune rune) =>
        !(Rune.IsControl(rune) || rune.Value is >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069);

    private static InputResult ToggleUserList(ChatState state)
    {
        state.ShowUserList = !state.ShowUserList;
        return InputResult.Changed;
    }

    private static InputResult Switch(ChatState state, bool next)
    {
        if (next)
            state.Next();
        else
            state.Previous();
        return InputResult.Changed;
    }

    private static InputResult Scrolled(ChatState state, Action scroll)
    {
        int before = state.Current.ScrollOffset;
        scroll();
        return Changed(state.Current.ScrollOffset != before);
    }

    private static InputResult Changed(bool changed) => changed ? InputResult.Changed : InputResult.Nothing;
}
