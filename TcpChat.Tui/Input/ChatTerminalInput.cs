using Terminal.Gui.Drivers;

namespace TcpChat.Tui.Input;

/// <summary>Terminal.Gui's ANSI input with <see cref="AltKeyRewriter"/> in front of its parser.</summary>
public sealed class ChatTerminalInput : AnsiInput
{
    private readonly AltKeyRewriter _rewriter = new();

    public override IEnumerable<char> Read() => _rewriter.Rewrite(string.Concat(base.Read()));
}
