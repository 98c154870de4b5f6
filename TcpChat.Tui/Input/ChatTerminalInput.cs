using System.Runtime.InteropServices;
using Terminal.Gui.Drivers;

namespace TcpChat.Tui.Input;

/// <summary>
/// Terminal.Gui's ANSI input, with two changes. <see cref="AltKeyRewriter"/> sits in front of its parser. And it
/// waits for input in poll(2) instead of looking every 20 ms: the toolkit's input thread calls <see cref="Peek"/> in
/// a loop and sleeps when it says no, so a key waited up to 20 ms and an idle client woke 50 times a second. Here
/// Peek blocks until stdin is readable (or <see cref="PollTimeoutMs"/> passes, so the thread still sees its
/// cancellation), and <see cref="InputQueued"/> tells the UI loop the moment what was read is in the toolkit's queue.
/// </summary>
public sealed class ChatTerminalInput : AnsiInput
{
    /// <summary>The longest poll(2) wait: how often an idle input thread wakes (4 times a second).</summary>
    public const int PollTimeoutMs = 250;

    private readonly AltKeyRewriter _rewriter = new();
    private bool _readSinceLastPeek;

    /// <summary>Raised on the input thread once characters read from the terminal are queued for the main loop.</summary>
    public event Action? InputQueued;

    /// <summary>
    /// Raised once, on the input thread, when the terminal is gone (its pty hung up: the SSH session or the tmux
    /// server died). The client then stops, as on SIGHUP.
    /// </summary>
    public event Action? TerminalLost;

    private bool _hungUp;

    public override bool Peek()
    {
        // The toolkit enqueues what Read returned, then calls Peek again: now it is in the queue.
        if (_readSinceLastPeek)
        {
            _readSinceLastPeek = false;
            InputQueued?.Invoke();
        }
        // A hung-up terminal reads as "input available" for ever with nothing to read, and the toolkit's input loop
        // asks again at once without looking at its cancellation: it would spin a core after the terminal is gone.
        if (_hungUp)
            return false;
        if (TerminalHungUp())
        {
            _hungUp = true;
            TerminalLost?.Invoke();
            return false;
        }
        if (base.Peek())
            return true;
        if (!WaitForInput())
            return false;
        return base.Peek();
    }

    public override IEnumerable<char> Read()
    {
        string text = _rewriter.Rewrite(string.Concat(base.Read()));
        _readSinceLastPeek = text.Length > 0;
        return text;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    private const short PollIn = 0x001;
    private const short PollErr = 0x008, PollHup = 0x010, PollNval = 0x020;

    // True when stdin reports a hang-up, an error or a closed descriptor (never on a terminal that is merely idle).
    private static bool TerminalHungUp()
    {
        if (OperatingSystem.IsWindows())
            return false;
        var fds = new[] { new PollFd { Fd = 0, Events = PollIn } };
        return poll(fds, 1, 0) > 0 && (fds[0].Revents & (PollErr | PollHup | PollNval)) != 0;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int poll([In, Out] PollFd[] fds, nuint count, int timeout);

    // True when stdin became readable; false on timeout. Where poll cannot be used (not Unix, stdin closed),
    // sleeps as the toolkit would, so the input thread never spins.
    private static bool WaitForInput()
    {
        if (!OperatingSystem.IsWindows())
        {
            var fds = new[] { new PollFd { Fd = 0, Events = PollIn } };
            int n = poll(fds, 1, PollTimeoutMs);
            if (n > 0 && (fds[0].Revents & PollIn) != 0)
                return true;
            if (n == 0)
                return false;
        }
        Thread.Sleep(20);
        return false;
    }
}
