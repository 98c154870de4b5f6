namespace TcpChat.Tests.Infrastructure;

/// <summary>Where the tests find the terminal client: a folder of its own next to the tests (see TcpChat.Tests.csproj).</summary>
public static class ClientBinary
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "client", "tcpchat.dll");
}
