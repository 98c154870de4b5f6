using TcpChat.Tui.Terminal;

namespace TcpChat.Tests.Tui.Terminal;

/// <summary>Compares a buffer's rows (trailing spaces trimmed, wide graphemes once) with expected lines.</summary>
internal static class BufferAssert
{
    public static void Lines(ScreenBuffer buffer, params string[] expected)
    {
        // Joined so a failure shows the whole screen, with '|' marking the right edge of each row.
        string Show(IEnumerable<string> rows) => string.Join('\n', rows.Select(r => r + "|"));
        Assert.Equal(Show(expected.Select(e => e.TrimEnd(' '))), Show(buffer.Lines));
    }
}
