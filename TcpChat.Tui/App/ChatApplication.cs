using System.Reflection;
using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using TcpChat.Tui.Input;
using TcpChat.Tui.Views;

namespace TcpChat.Tui.App;

/// <summary>
/// Creates the Terminal.Gui application with the ANSI driver, the client's input in front of its parser
/// (<see cref="ChatTerminalInput"/>) and its output placing the cursor after complex graphemes
/// (<see cref="ChatTerminalOutput"/>). Terminal.Gui 2.5.0 takes a custom component factory only through the
/// constructor of its application class, which it does not make public, so that constructor is called by
/// reflection. If a later version changes it, the plain application is used (everything works except Alt+key
/// followed at once by more input) — a unit test pins that the custom input is in place with the version we ship.
/// </summary>
public static class ChatApplication
{
    /// <summary>
    /// A new application, not yet initialised, and the input it reads through and the output it writes through (null
    /// if the toolkit's own).
    /// </summary>
    public static (IApplication App, ChatTerminalInput? Input, ChatTerminalOutput? Output) Create()
    {
        var input = new ChatTerminalInput();
        var output = new ChatTerminalOutput();
        var factory = new AnsiComponentFactory(input, output);
        var type = typeof(Application).Assembly.GetType("Terminal.Gui.App.ApplicationImpl");
        var constructor = type?.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, [typeof(IComponentFactory)]);
        if (constructor?.Invoke([factory]) is IApplication app)
            return (app, input, output);
        input.Dispose();
        ((IDisposable)output).Dispose();
        return (Application.Create(), null, null);
    }
}
