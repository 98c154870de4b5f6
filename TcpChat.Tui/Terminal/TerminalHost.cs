using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace TcpChat.Tui.Terminal;

/// <summary>
/// The only part of the terminal layer that does I/O. <see cref="Start"/> puts the terminal in
/// full-screen mode (raw input, alternate screen, hidden cursor, bracketed paste); input is
/// decoded on a background task and published to <see cref="Events"/>; frames are drawn with
/// <see cref="Present"/>. The terminal is restored on every way out: <see cref="Dispose"/>,
/// process exit, an unhandled exception, and SIGTERM / SIGHUP / SIGINT / SIGQUIT (which then
/// still terminate the process as usual). In raw mode Ctrl+C is a key (Char 'c' + Ctrl); a real
/// SIGINT (e.g. from kill) restores and exits.
/// </summary>
public sealed class TerminalHost : IDisposable
{
    private const string EnterSequence = "\e[?1049h\e[?25l\e[?2004h"; // alt screen, hide cursor, bracketed paste on
    // The reverse, SGR reset first. It also returns the cursor keys and keypad to normal mode
    // (ESC[?1l ESC>): .NET's Console switches them to application mode when it initialises,
    // and a shell after us expects normal mode.
    private const string LeaveSequence = "\e[0m\e[?2004l\e[?25h\e[?1049l\e[?1l\e>";

    private readonly byte[]? _savedTermios;
    private readonly Stream _stdin;
    private readonly Stream _stdout;
    private readonly Lock _writeLock = new();
    private readonly StringBuilder _frame = new();
    private readonly Channel<TerminalEvent> _events = Channel.CreateUnbounded<TerminalEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _escapeTimeout;
    private readonly UTF8Encoding _utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private int _restored;
    private long _size;

    private TerminalHost(byte[] savedTermios, TimeSpan escapeTimeout, bool noColor)
    {
        _savedTermios = savedTermios;
        _escapeTimeout = escapeTimeout;
        Renderer = new AnsiRenderer(noColor);
        // Not Console.OpenStandardInput(): on a terminal .NET returns a stream that reads through
        // its own line editor (echo, waits for Enter) even in raw mode. A FileStream over fd 0
        // does plain blocking read(2) calls. ownsHandle: false, so fd 0 is never closed.
        _stdin = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
        _stdout = Console.OpenStandardOutput();
        var (width, height) = QuerySize();
        _size = Pack(width, height);
    }

    /// <summary>Key, paste and resize events, in order. Completes when input ends (EOF, hang-up) or on Dispose.</summary>
    public ChannelReader<TerminalEvent> Events => _events.Reader;

    /// <summary>The diffing renderer used by <see cref="Present"/>: set the cursor or NoColor on it.</summary>
    public AnsiRenderer Renderer { get; }

    /// <summary>Current terminal size in columns and rows (80x24 if it cannot be determined).</summary>
    public (int Width, int Height) Size
    {
        get
        {
            long size = Volatile.Read(ref _size); // packed so a resize on the signal thread cannot tear it
            return ((int)(size >> 32), (int)size);
        }
    }

    /// <summary>True when NO_COLOR is set to a non-empty value (https://no-color.org).</summary>
    public static bool NoColorRequested => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>
    /// Enters full-screen mode and starts reading input. <paramref name="escapeTimeout"/> is how long a
    /// lone ESC waits for the rest of a sequence before it counts as the Escape key (default 50 ms).
    /// <paramref name="noColor"/> defaults to <see cref="NoColorRequested"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">stdin or stdout is not a terminal.</exception>
    public static TerminalHost Start(TimeSpan? escapeTimeout = null, bool? noColor = null)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("The terminal layer uses POSIX termios.");
        if (Console.IsInputRedirected || Console.IsOutputRedirected)
            throw new InvalidOperationException("The chat client needs an interactive terminal (stdin and stdout must not be redirected).");
        byte[] saved = Termios.EnterRawMode()
            ?? throw new InvalidOperationException("Could not switch the terminal to raw mode.");

        TerminalHost? host = null;
        try
        {
            host = new TerminalHost(saved, escapeTimeout ?? TimeSpan.FromMilliseconds(50), noColor ?? NoColorRequested);
            host.HookExitPaths();
            host.WriteRaw(EnterSequence);
        }
        catch
        {
            // Never leave the terminal raw because setting up failed half way.
            if (host is null)
                Termios.Restore(saved);
            else
                host.Dispose();
            throw;
        }
        _ = Task.Run(host.ReadLoopAsync);
        return host;
    }

    /// <summary>Draws <paramref name="frame"/> (only what changed) and flushes once.</summary>
    public void Present(ScreenBuffer frame)
    {
        lock (_writeLock)
        {
            if (Volatile.Read(ref _restored) != 0)
                return;
            _frame.Clear();
            Renderer.Render(frame, _frame);
            WriteLocked(_frame);
        }
    }

    /// <summary>Rings the terminal bell (BEL); terminals show it as a sound, a flash or an urgency hint.</summary>
    public void Bell()
    {
        if (Volatile.Read(ref _restored) == 0) WriteRaw("\a");
    }

    /// <summary>Makes the next <see cref="Present"/> clear and redraw the whole screen.</summary>
    public void Invalidate()
    {
        lock (_writeLock)
            Renderer.Invalidate();
    }

    /// <summary>
    /// Puts the terminal back as it was: SGR reset, bracketed paste off, cursor shown, main screen,
    /// saved termios. Idempotent and safe from any thread (signal handlers, exit handlers).
    /// </summary>
    public void Restore()
    {
        if (Interlocked.Exchange(ref _restored, 1) != 0)
            return;
        // A frame may be half written on another thread; wait briefly, but never hang on exit
        // (if the terminal is stalled or gone, the writer may be stuck).
        bool locked = _writeLock.TryEnter(TimeSpan.FromMilliseconds(500));
        try
        {
            try
            {
                var bytes = _utf8.GetBytes(LeaveSequence);
                _stdout.Write(bytes);
                _stdout.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                // The terminal is gone (SIGHUP); nothing to restore on screen.
            }
            if (_savedTermios is not null)
                Termios.Restore(_savedTermios);
        }
        finally
        {
            if (locked)
                _writeLock.Exit();
        }
    }

    public void Dispose()
    {
        Restore();
        _stop.Cancel();
        foreach (var signal in _signals)
            signal.Dispose();
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        _events.Writer.TryComplete();
        _stdout.Dispose();
        // _stdin is not disposed: a read may still be blocked in it; fd 0 is not ours to close.
    }

    private void HookExitPaths()
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;

        // Not cancelled: after restoring, the runtime carries on with the default action (terminate).
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Restore()));

        // The runtime's own SIGWINCH handler has invalidated Console's cached size before this runs.
        if (!OperatingSystem.IsWindows())
            _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
            {
                context.Cancel = true;
                var (width, height) = QuerySize();
                Volatile.Write(ref _size, Pack(width, height));
                Invalidate(); // terminals reflow or clear on resize; repaint everything
                _events.Writer.TryWrite(new ResizeEvent(width, height));
            }));
    }

    private void OnProcessExit(object? sender, EventArgs e) => Restore();

    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e) => Restore();

    // Blocking reads of stdin. One read is always outstanding; while the decoder holds a lone ESC
    // we also race that read against the escape timeout, and flush the ESC if the timeout wins.
    private async Task ReadLoopAsync()
    {
        var decoder = new KeyDecoder();
        var buffer = new byte[4096];
        Task<int>? read = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                read ??= _stdin.ReadAsync(buffer, 0, buffer.Length);
                if (decoder.HasPendingEscape && await Task.WhenAny(read, Task.Delay(_escapeTimeout)) != read)
                {
                    if (decoder.FlushPending() is KeyEvent pending)
                        _events.Writer.TryWrite(pending);
                    continue;
                }

                int n = await read;
                read = null;
                if (n == 0)
                    break; // EOF: the terminal is gone
                foreach (var e in decoder.Feed(buffer.AsSpan(0, n)))
                    _events.Writer.TryWrite(e);
            }
            _events.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _events.Writer.TryComplete(e); // e.g. EIO after a hang-up; the app sees it when reading events
        }
    }

    private void WriteRaw(string text)
    {
        lock (_writeLock)
            WriteLocked(new StringBuilder(text));
    }

    // Encodes to UTF-8 (a lone surrogate becomes U+FFFD) and writes with a single flush.
    private void WriteLocked(StringBuilder text)
    {
        if (text.Length == 0)
            return;
        int max = _utf8.GetMaxByteCount(text.Length);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            // One encoder across the chunks so a surrogate pair split between chunks stays intact.
            Encoder encoder = _utf8.GetEncoder();
            int count = 0;
            foreach (ReadOnlyMemory<char> chunk in text.GetChunks())
                count += encoder.GetBytes(chunk.Span, bytes.AsSpan(count), flush: false);
            count += encoder.GetBytes([], bytes.AsSpan(count), flush: true);
            _stdout.Write(bytes, 0, count);
            _stdout.Flush();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static long Pack(int width, int height) => ((long)width << 32) | (uint)height;

    private static (int Width, int Height) QuerySize()
    {
        try
        {
            int width = Console.WindowWidth, height = Console.WindowHeight;
            if (width > 0 && height > 0)
                return (width, height);
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
        }
        return (80, 24);
    }
}
