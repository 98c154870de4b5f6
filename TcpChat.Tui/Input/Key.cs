namespace TcpChat.Tui.Input;

/// <summary>Keys the decoder can tell apart. Printable input (and Ctrl/Alt+letter) is <see cref="Char"/>.</summary>
public enum Key
{
    Char,
    Enter,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    Escape,
    F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12,
}

/// <summary>
/// Modifiers as far as a terminal reports them. Shift is only reported for special keys
/// (e.g. Shift+Up); for characters it is already in the character ('A').
/// </summary>
[Flags]
public enum KeyModifiers
{
    None = 0,
    Shift = 1,
    Alt = 2,
    Ctrl = 4,
}
