using System.Threading.Channels;
using TcpChat.Tui.Input;
using TcpChat.Tui.Net;
using TcpChat.Tui.Terminal;
using TcpChat.Tui.Views;

namespace TcpChat.Tui.App;

/// <summary>
/// The running client: one UI loop that owns the <see cref="ChatState"/> and handles, in arrival order, keys from
/// the terminal and frames and state changes from the connection loop; it redraws once per batch of events, so a
/// flood of messages costs one frame, not one per message, and an idle client does nothing at all.
/// </summary>
public static class ClientApp
{
    /// <summary>The shortest time between two frames (60 per second).</summary>
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(16);

    private sealed record Connected(ChatConnection Connection);
    private sealed record Lost(string Reason, TimeSpan? RetryIn);
    private sealed record Connecting(string Detail);

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

        TerminalHost terminal;
        try
        {
            terminal = TerminalHost.Start();
        }
        catch (Exception e) when (e is InvalidOperationException or PlatformNotSupportedException)
        {
            await first.DisposeAsync();
            Console.Error.WriteLine($"tcpchat: {e.Message}");
            return 2;
        }

        using (terminal)
        {
            var state = new ChatState { ServerLabel = $"{options.Host}:{options.Port}" };
            var controller = new ChatController(state, options);
            var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var pump = PumpTerminalAsync(terminal, events.Writer);
            var network = ConnectionLoopAsync(first, options, events.Writer, stop.Token);
            try
            {
                return await UiLoopAsync(terminal, state, controller, events.Reader, stop.Token);
            }
            finally
            {
                stop.Cancel();
                await network;
            }
        }
    }

    private static async Task<int> UiLoopAsync(
        TerminalHost terminal, ChatState state, ChatController controller, ChannelReader<object> events, CancellationToken cancel)
    {
        var (width, height) = terminal.Size;
        var buffer = new ScreenBuffer(width, height);
        ChatConnection? connection = null;
        DateTimeOffset? quitDeadline = null;
        Draw(terminal, buffer, state);
        var lastDraw = DateTimeOffset.Now;

        while (true)
        {
            try
            {
                using var timeout = new CancellationTokenSource(quitDeadline is { } d ? d - DateTimeOffset.Now : Timeout.InfiniteTimeSpan);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token);
                if (!await events.WaitToReadAsync(linked.Token)) return 0; // the terminal went away (hang-up)
            }
            catch (OperationCanceledException)
            {
                return 0; // Ctrl+C from outside, or the server did not say BYE in time after QUIT
            }

            // At most one frame per FrameInterval: under a flood, messages pile up for a moment and are drawn together.
            var sinceDraw = DateTimeOffset.Now - lastDraw;
            if (sinceDraw < FrameInterval) await Task.Delay(FrameInterval - sinceDraw, CancellationToken.None);

            bool fullRedraw = false;
            while (events.TryRead(out object? e))
            {
                switch (e)
                {
                    case ResizeEvent resize:
                        buffer.Resize(resize.Width, resize.Height);
                        fullRedraw = true;
                        break;
                    case TerminalEvent input:
                        switch (KeyBindings.Handle(input, state))
                        {
                            case InputResult.Submit submit:
                                controller.Submit(submit.Text);
                                break;
                            case InputResult.FullRedraw:
                                fullRedraw = true;
                                break;
                            case InputResult.Quit:
                                controller.Submit("/quit");
                                break;
                        }
                        break;
                    case ServerFrame frame:
                        controller.Apply(frame);
                        break;
                    case Connected c:
                        connection = c.Connection;
                        controller.Connected(connection.Send);
                        break;
                    case Connecting c:
                        controller.Connecting(c.Detail);
                        break;
                    case Lost lost:
                        connection = null;
                        if (controller.QuitRequested) return 0;
                        controller.Disconnected(lost.Reason, lost.RetryIn);
                        break;
                }
            }
            controller.FetchOlderIfWanted();
            if (controller.QuitRequested)
            {
                if (state.Status != ConnectionStatus.Connected) return 0;
                quitDeadline ??= DateTimeOffset.Now.AddSeconds(2); // wait for BYE, not forever
            }
            if (state.PendingBells > 0)
            {
                state.PendingBells = 0;
                terminal.Bell();
            }
            if (fullRedraw) terminal.Invalidate();
            Draw(terminal, buffer, state);
            lastDraw = DateTimeOffset.Now;
        }
    }

    private static void Draw(TerminalHost terminal, ScreenBuffer buffer, ChatState state)
    {
        buffer.Clear();
        var cursor = MainView.Render(buffer, state);
        if (cursor is { } c) terminal.Renderer.SetCursor(c.X, c.Y);
        else terminal.Renderer.HideCursor();
        terminal.Present(buffer);
    }

    private static async Task PumpTerminalAsync(TerminalHost terminal, ChannelWriter<object> events)
    {
        try
        {
            await foreach (var e in terminal.Events.ReadAllAsync()) events.TryWrite(e);
        }
        catch (Exception) { } // input failed: nothing more to read
        events.TryComplete();
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
