using TcpChat.Server;

// Experiment (issue 15): run socket continuations on .NET's epoll thread instead of the thread pool. The runtime reads
// these variables once, when the first socket is made, so they are set here, before the host starts, and only in this
// process (the load generator, also .NET, never sees them). TCPCHAT_SOCKETS_INLINE=1 turns inline completions on;
// TCPCHAT_SOCKETS_THREADS=n sets the number of epoll threads (with inline completions the default is one per core).
if (Environment.GetEnvironmentVariable("TCPCHAT_SOCKETS_INLINE") == "1")
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
if (Environment.GetEnvironmentVariable("TCPCHAT_SOCKETS_THREADS") is { Length: > 0 } threads)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", threads);

return await ServerHost.RunAsync(args);
