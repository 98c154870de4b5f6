using System.Text;
using Terminal.Gui.Drivers;
using TgKey = Terminal.Gui.Input.Key;

namespace TcpChat.Tui.Input;

/// <summary>
/// Translates Terminal.Gui's keys into the client's <see cref="KeyEvent"/>, so that <see cref="KeyBindings"/> (and
/// its tests) do not depend on the toolkit. Terminal.Gui reports a letter as its upper-case key code plus a Shift
/// flag, a digit with Alt as D0..D9 plus the Alt flag, and Alt+Enter from a terminal as Ctrl+Alt+M (ESC then CR).
/// </summary>
public static class TerminalGuiKeys
{
    public static KeyEvent? ToKeyEvent(TgKey key)
    {
        var code = key.KeyCode;
        var baseCode = code & ~(KeyCode.ShiftMask | KeyCode.AltMask | KeyCode.CtrlMask);
        var mods = KeyModifiers.None;
        if (key.IsCtrl) mods |= KeyModifiers.Ctrl;
        if (key.IsAlt) mods |= KeyModifiers.Alt;
        bool shift = key.IsShift;

        Key? special = baseCode switch
        {
            KeyCode.Enter => Key.Enter,
            KeyCode.Tab => shift ? Key.BackTab : Key.Tab,
            KeyCode.Backspace => Key.Backspace,
            KeyCode.Delete => Key.Delete,
            KeyCode.Esc => Key.Escape,
            KeyCode.CursorLeft => Key.Left,
            KeyCode.CursorRight => Key.Right,
            KeyCode.CursorUp => Key.Up,
            KeyCode.CursorDown => Key.Down,
            KeyCode.Home => Key.Home,
            KeyCode.End => Key.End,
            KeyCode.PageUp => Key.PageUp,
            KeyCode.PageDown => Key.PageDown,
            KeyCode.Insert => Key.Insert,
            >= KeyCode.F1 and <= KeyCode.F12 => Key.F1 + (int)(baseCode - KeyCode.F1),
            _ => null,
        };
        if (special is { } k)
        {
            if (shift && k != Key.BackTab) mods |= KeyModifiers.Shift;
            return new KeyEvent(k, mods);
        }

        // Ctrl+Alt+M is what ESC CR (Alt+Enter) decodes to; a real Ctrl+Alt+M cannot be told apart.
        if (baseCode == KeyCode.M && mods == (KeyModifiers.Ctrl | KeyModifiers.Alt))
            return new KeyEvent(Key.Enter, KeyModifiers.Alt);

        uint value = (uint)baseCode;
        if (value == 0 || value > (uint)KeyCode.MaxCodePoint || !Rune.IsValid(value))
            return null;
        var rune = new Rune(value);
        if (baseCode is >= KeyCode.A and <= KeyCode.Z)
        {
            // A letter: lower case unless Shift (Ctrl/Alt+letter are reported in lower case, as the bindings expect).
            bool upper = shift && (mods & (KeyModifiers.Ctrl | KeyModifiers.Alt)) == 0;
            rune = upper ? rune : Rune.ToLowerInvariant(rune);
        }
        else if (Rune.IsControl(rune))
        {
            return null;
        }
        return KeyEvent.Char(rune, mods);
    }
}
