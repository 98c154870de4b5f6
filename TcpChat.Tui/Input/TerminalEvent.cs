using System.Text;

namespace TcpChat.Tui.Input;

/// <summary>Something the terminal reported: a key, a paste or a new size. Records, so tests compare by value.</summary>
public abstract record TerminalEvent;

/// <summary>
/// A key press. For <see cref="Key.Char"/>, <see cref="Rune"/> is the character (one code point:
/// a grapheme made of several arrives as several events, which an input line simply appends).
/// Ctrl+letter arrives as Char 'a'..'z' with <see cref="KeyModifiers.Ctrl"/>.
/// </summary>
public sealed record KeyEvent(Key Key, KeyModifiers Modifiers = KeyModifiers.None, Rune Rune = default) : TerminalEvent
{
    public static KeyEvent Char(char c, KeyModifiers modifiers = KeyModifiers.None) => new(Key.Char, modifiers, new Rune(c));
    public static KeyEvent Char(Rune rune, KeyModifiers modifiers = KeyModifiers.None) => new(Key.Char, modifiers, rune);

    public bool IsCtrl(char letter) => Key == Key.Char && Modifiers == KeyModifiers.Ctrl && Rune.Value == letter;

    public override string ToString()
    {
        string mods = (Modifiers.HasFlag(KeyModifiers.Ctrl) ? "Ctrl+" : "")
                      + (Modifiers.HasFlag(KeyModifiers.Alt) ? "Alt+" : "")
                      + (Modifiers.HasFlag(KeyModifiers.Shift) ? "Shift+" : "");
        return mods + (Key == Key.Char ? $"'{Rune}' (U+{Rune.Value:X4})" : Key.ToString());
    }
}

/// <summary>Text pasted with bracketed paste; line breaks normalised to '\n'. Not to be taken as typed keys.</summary>
public sealed record PasteEvent(string Text) : TerminalEvent;

/// <summary>The terminal now has this many columns and rows.</summary>
public sealed record ResizeEvent(int Width, int Height) : TerminalEvent;
