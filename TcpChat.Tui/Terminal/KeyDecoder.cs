using System.Text;

namespace TcpChat.Tui.Terminal;

/// <summary>
/// Incremental decoder from raw terminal input bytes (UTF-8, xterm-style sequences) to
/// <see cref="TerminalEvent"/>s. Pure and single-threaded: bytes may arrive in any chunking
/// (a sequence or a UTF-8 character split across reads) and decode the same.
/// <para>
/// A lone ESC is ambiguous: it may be the Escape key or the start of a sequence whose rest
/// has not arrived yet. The decoder keeps it pending; the caller checks
/// <see cref="HasPendingEscape"/> and, if no more bytes come within a short timeout, calls
/// <see cref="FlushPending"/>. Unknown or malformed sequences are dropped.
/// </para>
/// </summary>
public sealed class KeyDecoder
{
    private enum State { Ground, Escape, Csi, Ss3, LinuxFunction, Paste }

    private const int MaxSequenceLength = 32; // longer "CSI" input is garbage; give up on it
    private static readonly byte[] s_pasteEnd = "\e[201~"u8.ToArray();

    private State _state = State.Ground;
    private readonly List<byte> _sequence = [];   // CSI parameter/intermediate bytes
    private readonly List<byte> _paste = [];      // bracketed paste content so far
    private readonly byte[] _utf8 = new byte[4];  // a multi-byte character being collected
    private int _utf8Length, _utf8Needed;
    private bool _utf8Alt;                        // the character was preceded by ESC
    private List<TerminalEvent> _events = [];

    /// <summary>True when input ended in what may be an ESC key or an unfinished escape sequence.</summary>
    public bool HasPendingEscape => _state is State.Escape or State.Csi or State.Ss3 or State.LinuxFunction;

    /// <summary>Decodes <paramref name="bytes"/>; returns the events completed by them (possibly none).</summary>
    public IReadOnlyList<TerminalEvent> Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
            Step(b);
        var events = _events;
        _events = [];
        return events;
    }

    /// <summary>
    /// Called after a timeout with no further input: a pending ESC becomes the Escape key, ESC [ and
    /// ESC O become Alt+'[' and Alt+'O'; an unfinished longer sequence is dropped. Returns null if
    /// nothing was pending.
    /// </summary>
    public KeyEvent? FlushPending()
    {
        KeyEvent? key = _state switch
        {
            State.Escape => new KeyEvent(Key.Escape),
            State.Csi when _sequence.Count == 0 => KeyEvent.Char('[', KeyModifiers.Alt),
            State.Ss3 => KeyEvent.Char('O', KeyModifiers.Alt),
            _ => null,
        };
        if (HasPendingEscape)
            _state = State.Ground;
        return key;
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.Ground:
                Ground(b, alt: false);
                break;

            case State.Escape:
                if (b == (byte)'[')
                {
                    _state = State.Csi;
                    _sequence.Clear();
                }
                else if (b == (byte)'O')
                {
                    _state = State.Ss3;
                }
                else if (b == 0x1B)
                {
                    Emit(new KeyEvent(Key.Escape)); // ESC ESC: the first one was a key press
                }
                else
                {
                    _state = State.Ground;
                    Ground(b, alt: true);
                }
                break;

            case State.Csi:
                if (b is >= 0x20 and <= 0x3F) // parameter and intermediate bytes
                {
                    if (_sequence.Count < MaxSequenceLength)
                        _sequence.Add(b);
                    else
                        _state = State.Ground;
                }
                else if (b is >= 0x40 and <= 0x7E) // final byte
                {
                    _state = State.Ground;
                    if (b == (byte)'[' && _sequence.Count == 0)
                        _state = State.LinuxFunction; // Linux console F1-F5: ESC [ [ A..E
                    else
                        Csi((char)b);
                }
                else
                {
                    // Not a valid sequence (e.g. a control byte): drop it and treat the byte afresh.
                    _state = State.Ground;
                    Ground(b, alt: false);
                }
                break;

            case State.Ss3:
                _state = State.Ground;
                if (b == 0x1B)
                    _state = State.Escape;
                else if (Ss3Key((char)b) is Key key)
                    Emit(new KeyEvent(key));
                break;

            case State.LinuxFunction:
                _state = State.Ground;
                if (b is >= (byte)'A' and <= (byte)'E')
                    Emit(new KeyEvent(Key.F1 + (b - 'A')));
                break;

            case State.Paste:
                _paste.Add(b);
                if (EndsWithPasteEnd())
                {
                    _paste.RemoveRange(_paste.Count - s_pasteEnd.Length, s_pasteEnd.Length);
                    string text = Encoding.UTF8.GetString(_paste.ToArray());
                    Emit(new PasteEvent(text.Replace("\r\n", "\n").Replace('\r', '\n')));
                    _paste.Clear();
                    _state = State.Ground;
                }
                break;
        }
    }

    private void Ground(byte b, bool alt)
    {
        if (_utf8Needed > 0)
        {
            if ((b & 0xC0) == 0x80)
            {
                _utf8[_utf8Length++] = b;
                if (_utf8Length == _utf8Needed)
                {
                    _utf8Needed = 0;
                    // Rejects overlong forms and surrogates; such input is dropped.
                    if (Rune.DecodeFromUtf8(_utf8.AsSpan(0, _utf8Length), out Rune rune, out _) == System.Buffers.OperationStatus.Done)
                        Emit(KeyEvent.Char(rune, _utf8Alt ? KeyModifiers.Alt : KeyModifiers.None));
                }
                return;
            }
            _utf8Needed = 0; // truncated character: drop it and handle this byte on its own
        }

        if (b >= 0x80)
        {
            _utf8Needed = b switch
            {
                >= 0xC2 and <= 0xDF => 2,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xF0 and <= 0xF4 => 4,
                _ => 0, // stray continuation byte or invalid lead: dropped
            };
            _utf8[0] = b;
            _utf8Length = 1;
            _utf8Alt = alt;
            return;
        }

        if (b == 0x1B)
        {
            _state = State.Escape;
            return;
        }

        KeyModifiers mods = alt ? KeyModifiers.Alt : KeyModifiers.None;
        Emit(b switch
        {
            0x0D or 0x0A => new KeyEvent(Key.Enter, mods),
            0x09 => new KeyEvent(Key.Tab, mods),
            0x7F or 0x08 => new KeyEvent(Key.Backspace, mods),
            0x00 => KeyEvent.Char(' ', mods | KeyModifiers.Ctrl),                   // Ctrl+Space / Ctrl+@
            <= 0x1A => KeyEvent.Char((char)('a' + b - 1), mods | KeyModifiers.Ctrl), // Ctrl+A..Ctrl+Z
            <= 0x1F => KeyEvent.Char("\\]^_"[b - 0x1C], mods | KeyModifiers.Ctrl),   // Ctrl+\ ] ^ _
            _ => KeyEvent.Char((char)b, mods),
        });
    }

    // ESC [ params final. Parameters are ';'-separated numbers; the second one, when present,
    // is the xterm modifier code: 1 + (Shift 1 | Alt 2 | Ctrl 4 | Meta 8).
    private void Csi(char final)
    {
        if (_sequence.Count > 0 && _sequence[0] is (byte)'<' or (byte)'=' or (byte)'>' or (byte)'?')
            return; // private sequences (mouse, terminal replies): not keys

        int first = Parameter(0, 1);
        KeyModifiers mods = Modifiers(Parameter(1, 1));
        Key? key = final switch
        {
            'Z' => Key.BackTab,
            '~' => TildeKey(first),
            _ => LetterKey(final),
        };

        if (final == '~' && first == 200)
        {
            _state = State.Paste;
            _paste.Clear();
        }
        else if (key is Key k)
        {
            Emit(new KeyEvent(k, mods));
        }
    }

    private static Key? TildeKey(int code) => code switch
    {
        1 or 7 => Key.Home,
        2 => Key.Insert,
        3 => Key.Delete,
        4 or 8 => Key.End,
        5 => Key.PageUp,
        6 => Key.PageDown,
        11 => Key.F1,
        12 => Key.F2,
        13 => Key.F3,
        14 => Key.F4,
        15 => Key.F5,
        17 => Key.F6,
        18 => Key.F7,
        19 => Key.F8,
        20 => Key.F9,
        21 => Key.F10,
        23 => Key.F11,
        24 => Key.F12,
        _ => null, // includes 201 (a stray paste end)
    };

    // ESC O x: arrows/Home/End in "application cursor" mode, F1-F4, keypad Enter.
    private static Key? Ss3Key(char c) => c == 'M' ? Key.Enter : LetterKey(c);

    // The final letter of ESC [ x and ESC O x: arrows, Home/End, F1-F4.
    private static Key? LetterKey(char c) => c switch
    {
        'A' => Key.Up,
        'B' => Key.Down,
        'C' => Key.Right,
        'D' => Key.Left,
        'H' => Key.Home,
        'F' => Key.End,
        'P' => Key.F1,
        'Q' => Key.F2,
        'R' => Key.F3,
        'S' => Key.F4,
        _ => null,
    };

    private static KeyModifiers Modifiers(int code)
    {
        int bits = Math.Max(0, code - 1);
        var mods = KeyModifiers.None;
        if ((bits & 1) != 0) mods |= KeyModifiers.Shift;
        if ((bits & (2 | 8)) != 0) mods |= KeyModifiers.Alt; // Meta is reported as Alt
        if ((bits & 4) != 0) mods |= KeyModifiers.Ctrl;
        return mods;
    }

    // The index-th ';'-separated numeric parameter, or fallback when absent or empty.
    // Sub-parameters after ':' (kitty/xterm extensions) are ignored.
    private int Parameter(int index, int fallback)
    {
        int current = 0, value = 0;
        bool any = false, inSub = false;
        foreach (byte b in _sequence)
        {
            if (b == (byte)';')
            {
                if (current == index)
                    break;
                current++;
                value = 0;
                any = inSub = false;
            }
            else if (current == index && !inSub && b is >= (byte)'0' and <= (byte)'9')
            {
                value = Math.Min(value * 10 + (b - '0'), 100_000);
                any = true;
            }
            else if (b == (byte)':')
            {
                inSub = true;
            }
        }
        return current == index && any ? value : fallback;
    }

    private bool EndsWithPasteEnd()
    {
        int n = s_pasteEnd.Length;
        if (_paste.Count < n || _paste[^1] != (byte)'~')
            return false;
        for (int i = 0; i < n; i++)
            if (_paste[_paste.Count - n + i] != s_pasteEnd[i])
                return false;
        return true;
    }

    private void Emit(TerminalEvent e) => _events.Add(e);
}
