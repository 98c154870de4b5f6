using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TcpChat.Bench;

public sealed record BurstSettings(string Host, int Port, int Receivers, int Messages, int Size, int Window)
{
    public string? Problem() =>
        Receivers < 1 ? "--receivers must be at least 1"
        : Messages < 1 ? "--messages must be at least 1"
        : Size is < 1 or > 65536 ? "--size must be 1-65536 bytes"
        : Window < 1 ? "--window must be at least 1"
        : null;
}

public sealed record BurstResult(BurstSettings Settings, string Server, double Seconds)
{
    public double MessagesPerSecond => Settings.Messages / Seconds;

    /// <summary>MSG frames received by the receivers per second (the sender's own echoes not counted).</summary>
    public double DeliveriesPerSecond => (double)Settings.Receivers * Settings.Messages / Seconds;

    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"{Settings.Messages} messages of {Settings.Size} bytes to {Settings.Receivers} receivers (window {Settings.Window}) in {Seconds:0.000} s: "
        + $"{MessagesPerSecond:0} messages/s, {DeliveriesPerSecond:0} deliveries/s");

    public string ToJson() => JsonSerializer.Serialize(new
    {
        server = Server,
        receivers = Settings.Receivers,
        messages = Settings.Messages,
        size = Settings.Size,
        window = Settings.Window,
        seconds = Math.Round(Seconds, 4),
        messagesPerSecond = Math.Round(MessagesPerSecond, 1),
        deliveriesPerSecond = Math.Round(DeliveriesPerSecond, 1),
    });
}

/// <summary>
/// The closed-loop fan-out benchmark of bench/history.sh (<c>tcpchat-bench burst</c>): N receivers and one sender join a new room (<c>#bench-xxxxxx</c>, so earlier runs and their
/// history do not count); the sender sends M messages of the given size, never more than the window ahead of the
/// slowest of the receivers and its own echoes; the clock runs from the first message sent until every receiver has
/// received all M, in order and without a gap.
/// </summary>
public static class Burst
{
    public static async Task<BurstResult> RunAsync(BurstSettings s, TextWriter? progress, CancellationToken cancel)
    {
        string run = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..6];
        string room = "#bench-" + run;
        var receivers = new BenchClient[s.Receivers];
        try
        {
            for (int i = 0; i < s.Receivers; i++)
                receivers[i] = await BenchClient.ConnectAsync(s.Host, s.Port, $"b{run}r{i}", room, s.Messages);
            await using var sender = await BenchClient.ConnectAsync(s.Host, s.Port, $"b{run}s", room, s.Messages);
            await WhenAllReady([.. receivers, sender], cancel);
            progress?.WriteLine($"{s.Receivers} receivers and the sender are in {room} on {sender.Hello}");

            byte[] text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789abcdef", s.Size / 16 + 1))[..s.Size]);
            byte[] frame = [.. Encoding.ASCII.GetBytes($"SEND {room} {s.Size}\n"), .. text, (byte)'\n'];
            var batch = new MemoryStream();
            var clock = Stopwatch.StartNew();
            int sent = 0;
            while (sent < s.Messages)
            {
                long acked = sender.Received;
                foreach (var r in receivers) acked = Math.Min(acked, r.Received);
                int free = (int)Math.Min(s.Messages - sent, s.Window - (sent - acked));
                if (free <= 0)
                {
                    ThrowIfClosed(receivers, sender);
                    await Task.Delay(1, cancel); // the window is full: let the receivers catch up
                    continue;
                }
                batch.SetLength(0);
                for (int k = 0; k < free; k++) batch.Write(frame);
                await sender.SendAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), cancel);
                sent += free;
            }
            var all = Task.WhenAll(receivers.Select(r => r.Done));
            while (!all.IsCompleted)
            {
                ThrowIfClosed(receivers, sender);
                await Task.WhenAny(all, Task.Delay(100, cancel));
            }
            await all; // surfaces a gap or a wrong order as a BenchException
            clock.Stop();
            return new BurstResult(s, sender.Hello, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var r in receivers) if (r is not null) await r.DisposeAsync();
        }
    }

    private static async Task WhenAllReady(BenchClient[] clients, CancellationToken cancel)
    {
        var ready = Task.WhenAll(clients.Select(c => c.Ready));
        if (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromSeconds(60), cancel)) != ready)
            throw new BenchException("clients did not get into the room within 60 s");
        await ready;
    }

    private static void ThrowIfClosed(BenchClient[] receivers, BenchClient sender)
    {
        foreach (var c in receivers.Append(sender))
            if (c.ClosedReason is { } why) throw new BenchException($"{c.Nick} was disconnected: {why}");
    }
}
