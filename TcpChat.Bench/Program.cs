using System.CommandLine;
using TcpChat.Bench;

var host = new Option<string>("--host") { Description = "server address", DefaultValueFactory = _ => "127.0.0.1" };
var port = new Option<int>("--port", "-p") { Description = "server port", DefaultValueFactory = _ => TcpChat.Protocol.ProtocolDefaults.Port };
var receivers = new Option<int>("--receivers", "-r") { Description = "connections that only receive", DefaultValueFactory = _ => 100 };
var messages = new Option<int>("--messages", "-m") { Description = "messages the sender sends", DefaultValueFactory = _ => 20_000 };
var size = new Option<int>("--size") { Description = "bytes of text per message", DefaultValueFactory = _ => 128 };
var window = new Option<int>("--window", "-w") { Description = "messages sent and not yet received by everyone, at most", DefaultValueFactory = _ => 1000 };
var json = new Option<bool>("--json") { Description = "print the result as one JSON object" };

var fanout = new Command("fanout",
    "Fan-out throughput of a running server: N receivers and 1 sender in one new room; the sender sends M messages as "
    + "fast as the slowest receiver keeps up, and the time until every receiver has every message is measured. Starts no server.")
{
    host, port, receivers, messages, size, window, json,
};
fanout.SetAction(async (parse, cancel) =>
{
    var settings = new FanoutSettings(parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(receivers),
        parse.GetValue(messages), parse.GetValue(size), parse.GetValue(window));
    if (settings.Problem() is { } problem)
    {
        Console.Error.WriteLine($"tcpchat-bench: {problem}");
        return 2;
    }
    try
    {
        var result = await Fanout.RunAsync(settings, parse.GetValue(json) ? null : Console.Error, cancel);
        Console.WriteLine(parse.GetValue(json) ? result.ToJson() : result.ToText());
        return 0;
    }
    catch (BenchException e)
    {
        Console.Error.WriteLine($"tcpchat-bench: {e.Message}");
        return 1;
    }
});

var root = new RootCommand("tcpchat-bench: benchmarks against a running TcpChat server (see bench/)") { fanout };
return await root.Parse(args).InvokeAsync();
