namespace TcpChat.Tui.Views;

/// <summary>SGR text attributes. Kept as flags so a Style stays a small, cheaply comparable value.</summary>
[Flags]
public enum TextAttributes : byte
{
    None = 0,
    Bold = 1 << 0,
    Dim = 1 << 1,
    Italic = 1 << 2,
    Underline = 1 << 3,
    Reverse = 1 << 4,
}
