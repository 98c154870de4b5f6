using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.Views;
using PasteEventArgs = Terminal.Gui.Input.PasteEventArgs;
using Terminal.Gui.ViewBase;
using TcpChat.Tui.Input;
using TcpChat.Tui.Net;
using TcpChat.Tui.Views;

namespace TcpChat.Tui.App;

/// <summary>
/// The running client, on Terminal.Gui: its application owns the terminal (raw mode, alternate screen, input
/// decoding, drawing only what changed) and its main loop runs every handler on one thread, which owns the
/// <see cref="ChatState"/>. Keys come through the application's KeyDown event (all of them: the toolkit's own
/// bindings, such as Esc to quit or Tab to move focus, never see a key), pastes through its Paste event, frames and
/// connection changes from the network loop through a queue the loop takes at the start of an iteration — at most
/// one frame per FrameInterval for them, so a flood of messages costs a frame now and then, not one per message.
/// </summary>
public static class ClientApp
{
    private sealed record Connected(ChatConnection Connection);
    private sealed record Lost(string Reason, TimeSpan? RetryIn);
    private sealed record Connecting(string Detail);
    private sealed record Stop;

    public static async Task<int> RunAsync(ClientOptions options, CancellationToken cancel)
    {
        // The first connection is made before the screen changes, so "cannot reach" is a plain line and an exit code.
        ChatConnection first;
        try
        {
            first = await ChatConnection.ConnectAsync(options.Host, options.Port, options.ConnectTimeout, cancel, options.Security);
        }
        catch (Exception e) when (IsConnectFailure(e))
        {
            Console.Error.WriteLine($"tcpchat: cannot reach {options.Host}:{options.Port}: {e.Message}");
            return 1;
        }

        if (Console.IsInputRedirected || Console.IsOutputRedirected)
        {
            await first.DisposeAsync();
            Console.Error.WriteLine("tcpchat: needs an interactive terminal (stdin and stdout must not be redirected)");
            return 2;
        }

        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var ui = new ChatUi(options, events.Reader);
        var network = ConnectionLoopAsync(first, options, events.Writer, stop.Token);
        // The toolkit's main loop blocks its thread until the application stops; it gets one of its own.
        int code = await Task.Factory.StartNew(() => ui.Run(stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        stop.Cancel();
        await network;
        return code;
    }

    /// <summary>The Terminal.Gui application around the chat: one per run.</summary>
    private sealed class ChatUi(ClientOptions options, ChannelReader<object> events)
    {
        private readonly ChatState _state = new() { ServerLabel = $"{options.Host}:{options.Port}" };
        private readonly ConcurrentQueue<object> _posted = new();
        private ChatController _controller = null!;
        private IApplication _app = null!;
        private ChatTerminalOutput? _output;
        private MainView _view = null!;
        private ChatConnection? _connection;
        private bool _quitTimerSet;
        private readonly AutoResetEvent _wake = new(false);
        private readonly AutoResetEvent _keyArrived = new(false);
        private int _inputWake;
        private long _lastInputTicks;
        private long _lastDrainTicks;

        /// <summary>
        /// The shortest time between two iterations that were not woken by a key (10 per second): under a flood,
        /// messages pile up for a moment and are drawn together (the toolkit's drawing is per cell, so each frame of a
        /// scrolling pane costs the same however many messages it shows). A key is handled and drawn at once, and a
        /// message after a quiet moment at once too, so only messages that come faster than this wait, and at most this
        /// long. Measured (bench/client.sh, docs/benchmarks-client.md), a flood's CPU: 1.4-1.8 s at 10 frames a second,
        /// 1.6-2.3 s at 20, 2.0-2.2 s at 30.
        /// </summary>
        private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(100);

        /// <summary>How long an idle loop sleeps between iterations (nothing to do but the toolkit's own checks).</summary>
        private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(1);

        /// <summary>
        /// Right after a key, the loop looks again this soon even if nothing wakes it: the toolkit's parser holds a
        /// lone ESC until a short timeout, and only an iteration lets it go.
        /// </summary>
        private static readonly TimeSpan AfterInputWait = TimeSpan.FromMilliseconds(30);

        public int Run(CancellationToken cancel)
        {
            _controller = new ChatController(_state, options);
            // The ANSI driver (plain escape sequences, on every terminal), with Alt keys made unambiguous first.
            var (created, input, output) = ChatApplication.Create();
            using var app = _app = created;
            _output = output;
            if (input is not null)
            {
                input.InputQueued += () =>
                {
                    Volatile.Write(ref _inputWake, 1);
                    _wake.Set();
                    _keyArrived.Set();
                };
                input.TerminalLost += () => Post(new Stop());
            }
            // The toolkit's loop sleeps at the end of each iteration for what is left of 1/MaximumIterationsPerSecond
            // (a Task.Delay: 1 ms asked took several, and a key typed meanwhile waited). The client's OnIteration does
            // the waiting instead (for a key, a frame, a signal), so the toolkit's share is made zero.
            Application.MaximumIterationsPerSecond = ushort.MaxValue; // 1000 / 65535 ms: no pause
            app.Init(DriverRegistry.Names.ANSI);
            app.Driver!.Force16Colors = true; // the 16 themed ANSI colours, never RGB (the user's theme decides)
            app.Keyboard.KeyBindings.Clear(); // no application-wide keys (Esc, Ctrl+Z, Tab...): the client's own only
            app.Mouse.IsMouseDisabled = !options.Mouse;
            if (!options.Mouse)
                app.Driver.WriteRaw(MouseTrackingOff); // the toolkit turns tracking on at start whatever the setting
            output?.BeginFrames(); // from here, one write per frame (ChatTerminalOutput)
            app.Iteration += (_, _) => OnIteration();
            using var top = new Runnable { Width = Dim.Fill(), Height = Dim.Fill() };
            _view = new MainView(_state);
            _view.StateChanged += () => AfterChange(fullRedraw: false);
            top.Add(_view);
            _view.Input.SetFocus();
            app.Keyboard.KeyDown += OnKeyDown;
            app.Paste += OnPaste;

            var signals = new List<PosixSignalRegistration>();
            // SIGTERM, SIGHUP, SIGINT, SIGQUIT: stop through the loop, so the toolkit restores the terminal on the way out.
            foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
                signals.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;
                    Post(new Stop());
                }));
            // A resize: wake the loop, whose size check sees it and lays out again (the runtime's own handling goes on).
            if (!OperatingSystem.IsWindows())
                signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => _wake.Set()));
            using var onCancel = cancel.Register(() => Post(new Stop()));
            var pump = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in events.ReadAllAsync(CancellationToken.None)) Post(e);
                }
                catch (Exception) { }
            });
            try
            {
                app.Run(top);
            }
            finally
            {
                foreach (var s in signals) s.Dispose();
            }
            return 0;
        }

        /// <summary>Hands an event to the UI thread, which takes it at its next iteration (<see cref="OnIteration"/>).</summary>
        private void Post(object e)
        {
            _posted.Enqueue(e);
            _wake.Set();
        }

        /// <summary>
        /// Runs at the start of each iteration of the toolkit's loop, on its thread: writes the previous iteration's frame,
        /// then waits until there is something
        /// to do — a key, a posted event, a resize — so an idle client sleeps instead of polling 25 times a second.
        /// Also clears the toolkit's "cursor needs update" flag, which it never clears itself (it would write
        /// ESC[?25h every iteration); a view that draws sets it again.
        /// </summary>
        private void OnIteration()
        {
            _output?.Flush(); // the previous iteration's frame, in one write, before the loop waits
            _app.Driver?.SetCursorNeedsUpdate(false);
            long now = Environment.TickCount64;
            var wait = now - Volatile.Read(ref _lastInputTicks) < 500 ? AfterInputWait : IdleWait;
            _wake.WaitOne(wait);
            bool byKey = Interlocked.Exchange(ref _inputWake, 0) == 1;
            if (!byKey && !_posted.IsEmpty)
            {
                // Events from the network: a pause until FrameInterval since they were last taken, so that messages
                // arriving meanwhile are drawn together. A key ends it at once.
                long pause = (long)FrameInterval.TotalMilliseconds - (Environment.TickCount64 - _lastDrainTicks);
                if (pause > 0 && _keyArrived.WaitOne((int)pause))
                    byKey = Interlocked.Exchange(ref _inputWake, 0) == 1;
            }
            if (byKey)
                Volatile.Write(ref _lastInputTicks, Environment.TickCount64);
            if (_posted.IsEmpty)
                return;
            if (Environment.TickCount64 - _lastDrainTicks >= (long)FrameInterval.TotalMilliseconds)
            {
                // Taken now, before this iteration draws: their frame is this one.
                _lastDrainTicks = Environment.TickCount64;
                Drain();
            }
            else
            {
                // A key's frame does not wait for them, nor carry them (a pane of new messages is most of a frame's
                // cost): they are taken at the next iteration, FrameInterval after the last ones.
                _wake.Set();
            }
        }

        /// <summary>Mouse tracking off: any-event, SGR and urxvt reporting (DECRST 1003, 1006, 1015).</summary>
        private const string MouseTrackingOff = "\e[?1003l\e[?1006l\e[?1015l";

        private void Drain()
        {
            while (_posted.TryDequeue(out object? e))
            {
                switch (e)
                {
                    case ServerFrame frame:
                        _controller.Apply(frame);
                        break;
                    case Connected c:
                        _connection = c.Connection;
                        _controller.Connected(_connection.Send);
                        break;
                    case Connecting c:
                        _controller.Connecting(c.Detail);
                        break;
                    case Lost lost:
                        _connection = null;
                        if (_controller.QuitRequested)
                        {
                            _app.RequestStop();
                            return;
                        }
                        _controller.Disconnected(lost.Reason, lost.RetryIn);
                        break;
                    case Stop:
                        _app.RequestStop();
                        return;
                }
            }
            AfterChange(fullRedraw: false);
        }

        private void OnKeyDown(object? sender, Terminal.Gui.Input.Key key)
        {
            key.Handled = true;
            if (TerminalGuiKeys.ToKeyEvent(key) is { } e)
                Handle(e);
        }

        private void OnPaste(object? sender, PasteEventArgs e)
        {
            e.Handled = true;
            Handle(new PasteEvent(e.Text));
        }

        private void Handle(TerminalEvent e)
        {
            bool fullRedraw = false;
            switch (KeyBindings.Handle(e, _state))
            {
                case InputResult.None:
                    return;
                case InputResult.Submit submit:
                    _controller.Submit(submit.Text);
                    break;
                case InputResult.FullRedraw:
                    fullRedraw = true;
                    break;
                case InputResult.Quit:
                    _controller.Submit("/quit");
                    break;
            }
            AfterChange(fullRedraw);
        }

        private void AfterChange(bool fullRedraw)
        {
            _controller.FetchOlderIfWanted();
            if (_controller.QuitRequested)
            {
                if (_state.Status != ConnectionStatus.Connected)
                {
                    _app.RequestStop();
                    return;
                }
                if (!_quitTimerSet)
                {
                    _quitTimerSet = true; // wait for BYE, not forever
                    _app.AddTimeout(TimeSpan.FromSeconds(2), () => { _app.RequestStop(); return false; });
                }
            }
            if (_state.PendingBells > 0)
            {
                _state.PendingBells = 0;
                _app.Driver?.WriteRaw("\a");
            }
            if (fullRedraw) _app.ClearScreenNextIteration = true;
            _view.Refresh();
            // An iteration right away: what a timer or a handler changed is drawn now, not at the next wake-up (up to
            // IdleWait away).
            _wake.Set();
        }
    }

    /// <summary>Keeps one connection up: reads it until it drops, then reconnects with backoff until cancelled.</summary>
    private static async Task ConnectionLoopAsync(ChatConnection first, ClientOptions options, ChannelWriter<object> events, CancellationToken stop)
    {
        var backoff = new Backoff(options.ReconnectInitial, options.ReconnectMax);
        ChatConnection? connection = first;
        while (!stop.IsCancellationRequested)
        {
            if (connection is null)
            {
                events.TryWrite(new Connecting($"connecting to {options.Host}:{options.Port}"));
                try
                {
                    connection = await ChatConnection.ConnectAsync(options.Host, options.Port, options.ConnectTimeout, stop, options.Security);
                }
                catch (Exception e) when (IsConnectFailure(e))
                {
                    var delay = backoff.Next();
                    events.TryWrite(new Lost($"cannot reach {options.Host}:{options.Port}: {e.Message}", delay));
                    if (!await DelayAsync(delay, stop)) return;
                    continue;
                }
                catch (OperationCanceledException) { return; }
            }
            string reason;
            var since = DateTimeOffset.Now;
            await using (var live = connection)
            {
                events.TryWrite(new Connected(live));
                reason = await live.ReadAllAsync(frame => events.TryWrite(frame), stop);
            }
            connection = null;
            if (stop.IsCancellationRequested) return;
            // A connection that lasted is a fresh start; one that drops at once (server full, say) keeps backing off.
            if (DateTimeOffset.Now - since > TimeSpan.FromSeconds(30)) backoff.Reset();
            var wait = backoff.Next();
            events.TryWrite(new Lost(reason, wait));
            if (!await DelayAsync(wait, stop)) return;
        }
    }

    /// <summary>Why a connection attempt fails: no route, refused, timed out, TLS refused or broken.</summary>
    private static bool IsConnectFailure(Exception e) =>
        e is System.Net.Sockets.SocketException or TimeoutException or System.Security.Authentication.AuthenticationException or IOException;

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
