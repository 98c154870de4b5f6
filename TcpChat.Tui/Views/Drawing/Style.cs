namespace TcpChat.Tui.Views;

/// <summary>
/// How a cell is drawn. A plain value (record struct) so the renderer can compare styles
/// with == to decide whether an SGR sequence is needed. <c>default(Style)</c> is the terminal default.
/// </summary>
public readonly record struct Style(
    Color Foreground = default,
    Color Background = default,
    TextAttributes Attributes = TextAttributes.None)
{
    public static Style Default => default;

    public Style Fg(Color color) => this with { Foreground = color };
    public Style Bg(Color color) => this with { Background = color };
    public Style Add(TextAttributes attributes) => this with { Attributes = Attributes | attributes };
    public Style Remove(TextAttributes attributes) => this with { Attributes = Attributes & ~attributes };
    public bool Has(TextAttributes attributes) => (Attributes & attributes) == attributes;

    /// <summary>The same style without colours (used for NO_COLOR output).</summary>
    public Style WithoutColors() => new(default, default, Attributes);
}
