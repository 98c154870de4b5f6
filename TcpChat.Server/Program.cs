using TcpChat.Server;

return await ServerHost.RunAsync(args);
