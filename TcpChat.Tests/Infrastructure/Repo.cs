namespace TcpChat.Tests.Infrastructure;

/// <summary>The repository the tests were built from, for tests of its scripts and files.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TcpChat.sln"))) return dir.FullName;
        throw new InvalidOperationException("TcpChat.sln not found above " + AppContext.BaseDirectory);
    }

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
