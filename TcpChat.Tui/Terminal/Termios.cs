using System.Runtime.InteropServices;

namespace TcpChat.Tui.Terminal;

/// <summary>
/// Raw mode through libc's termios. The struct is treated as an opaque byte blob (its layout
/// differs between glibc, musl and macOS) that is only passed back to libc, so a generous
/// buffer is all we need. cfmakeraw gives: no echo, no line buffering, no signals from
/// Ctrl+C/Ctrl+Z (they arrive as bytes 0x03/0x1A), no CR/LF translation, reads return
/// as soon as one byte is available.
/// </summary>
internal static class Termios
{
    private const int StdinFd = 0;
    private const int TCSANOW = 0;   // same value on Linux and macOS
    private const int TermiosSize = 256; // glibc uses 60 bytes, macOS 72

    [DllImport("libc", SetLastError = true)]
    private static extern int tcgetattr(int fd, byte[] termios);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

    [DllImport("libc")]
    private static extern void cfmakeraw(byte[] termios);

    /// <summary>Switches stdin to raw mode; returns the previous settings, or null if stdin is not a terminal.</summary>
    public static byte[]? EnterRawMode()
    {
        var saved = new byte[TermiosSize];
        if (tcgetattr(StdinFd, saved) != 0)
            return null;
        var raw = (byte[])saved.Clone();
        cfmakeraw(raw);
        return tcsetattr(StdinFd, TCSANOW, raw) == 0 ? saved : null;
    }

    /// <summary>Puts back settings saved by <see cref="EnterRawMode"/>. Best effort: the terminal may be gone.</summary>
    public static void Restore(byte[] saved) => _ = tcsetattr(StdinFd, TCSANOW, saved);
}
