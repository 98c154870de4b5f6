using System.Runtime.CompilerServices;

namespace TcpChat.Tests.Infrastructure;

/// <summary>
/// Terminal.Gui's ANSI driver runs without a terminal when DisableRealDriverIO=1 is set before its first use;
/// without it, a test that creates an application grabs /dev/tty (alternate screen, mouse on). Set once for the
/// whole test assembly. Processes the tests start as a user would (the client in tmux) must not inherit it:
/// <see cref="Remove"/> takes it out of their environment.
/// </summary>
internal static class HeadlessTerminal
{
    public const string Variable = "DisableRealDriverIO";

    [ModuleInitializer]
    internal static void Initialize() => Environment.SetEnvironmentVariable(Variable, "1");

    public static void Remove(IDictionary<string, string?> environment) => environment.Remove(Variable);
}
