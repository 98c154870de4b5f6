namespace TcpChat.Bench.Load;

/// <summary>
/// The live progress display on stderr: one line rewritten in place on a terminal, a line every few seconds when
/// stderr is a file (a log stays readable). Null output: silent (tests, --quiet).
/// </summary>
public sealed class ProgressLine(TextWriter? output, bool interactive)
{
    private readonly object _gate = new();
    private long _lastWritten;
    private int _lastLength;

    public static ProgressLine Stderr(bool quiet) => new(quiet ? null : Console.Error, !Console.IsErrorRedirected);

    public static ProgressLine None { get; } = new(null, false);

    /// <summary>A status that replaces the previous one; written at most every 0.25 s (terminal) or 2 s (file).</summary>
    public void Status(string text)
    {
        if (output is null) return;
        long now = Environment.TickCount64;
        lock (_gate)
        {
            if (now - _lastWritten < (interactive ? 250 : 2000)) return;
            _lastWritten = now;
            if (interactive)
            {
                output.Write("\r" + text.PadRight(_lastLength));
                _lastLength = text.Length;
            }
            else output.WriteLine(text);
        }
    }

    /// <summary>A line that stays: ends the status line first.</summary>
    public void Line(string text)
    {
        if (output is null) return;
        lock (_gate)
        {
            if (interactive && _lastLength > 0)
            {
                output.Write("\r" + new string(' ', _lastLength) + "\r");
                _lastLength = 0;
            }
            output.WriteLine(text);
            _lastWritten = 0;
        }
    }

    /// <summary>Calls <paramref name="status"/> every 0.25 s and shows what it returns, until disposed.</summary>
    public IDisposable Every(Func<string> status)
    {
        if (output is null) return new Timer(_ => { });
        return new Timer(_ => Status(status()), null, 250, 250);
    }
}
