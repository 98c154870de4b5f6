using System.Text;

namespace TcpChat.Tui.Input;

/// <summary>
/// Makes Alt keys unambiguous before Terminal.Gui's parser sees them. A terminal sends Alt+3 as ESC '3'; the parser
/// waits for the rest of what it takes for an escape sequence, and when more input follows in the same read
/// (<c>Alt+3</c> then <c>x</c> typed fast, or over SSH) it gives up on the lot and the keys are lost. So ESC followed
/// by a character that never starts a sequence (a letter other than O, P, N and X, a digit, punctuation, Enter,
/// Backspace) is rewritten as the kitty keyboard protocol's form of the same key, <c>ESC [ code ; 3 u</c> (3 = Alt),
/// which the parser decodes at once. Everything else — CSI and SS3 sequences, a lone ESC, the text of a bracketed
/// paste — passes through unchanged. The state carries across reads, so a paste split over reads stays untouched.
/// </summary>
public sealed class AltKeyRewriter
{
    private const char Esc = '\x1B';
    private const string PasteStart = "\x1B[200~";
    private const string PasteEnd = "\x1B[201~";

    private bool _inPaste;

    /// <summary>The input with every Alt+key in the kitty form; <paramref name="input"/> is one read's worth of characters.</summary>
    public string Rewrite(string input)
    {
        if (input.IndexOf(Esc) < 0)
            return input;
        var output = new StringBuilder(input.Length + 16);
        int i = 0;
        while (i < input.Length)
        {
            if (_inPaste)
            {
                int end = input.IndexOf(PasteEnd, i, StringComparison.Ordinal);
                if (end < 0)
                {
                    output.Append(input, i, input.Length - i);
                    break;
                }
                output.Append(input, i, end + PasteEnd.Length - i);
                i = end + PasteEnd.Length;
                _inPaste = false;
                continue;
            }
            char c = input[i];
            if (c != Esc || i + 1 >= input.Length)
            {
                output.Append(c);
                i++;
                continue;
            }
            if (string.CompareOrdinal(input, i, PasteStart, 0, PasteStart.Length) == 0)
            {
                output.Append(PasteStart);
                i += PasteStart.Length;
                _inPaste = true;
                continue;
            }
            char next = input[i + 1];
            if (AltCode(next) is { } code)
            {
                output.Append("\x1B[").Append(code).Append(";3u");
                i += 2;
                continue;
            }
            output.Append(c);
            i++;
        }
        return output.ToString();
    }

    // The kitty key code for ESC + c as Alt+key, or null when c may start an escape sequence (or is ESC itself).
    private static int? AltCode(char c) => c switch
    {
        '\r' or '\n' => 13,                  // Alt+Enter
        '\x7F' or '\b' => 127,               // Alt+Backspace
        'O' or 'P' or 'N' or 'X' => null,    // SS3, DCS, SS2, SOS
        >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' => c,
        '[' or ']' or '\\' or '^' or '_' or Esc => null, // CSI, OSC, ST, PM, APC
        > ' ' and < '\x7F' => c,             // other punctuation: Alt+. and the like
        _ => null,
    };
}
