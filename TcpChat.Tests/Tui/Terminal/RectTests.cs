using TcpChat.Tui.Terminal;

namespace TcpChat.Tests.Tui.Terminal;

public class RectTests
{
    [Fact]
    public void SplitsTakeRowsAndColumnsFromTheNamedSide()
    {
        var screen = new Rect(0, 0, 80, 24);
        var (title, rest) = screen.SplitTop(1);
        var (body, input) = rest.SplitBottom(2);
        var (messages, users) = body.SplitRight(20);

        Assert.Equal(new Rect(0, 0, 80, 1), title);
        Assert.Equal(new Rect(0, 22, 80, 2), input);
        Assert.Equal(new Rect(0, 1, 60, 21), messages);
        Assert.Equal(new Rect(60, 1, 20, 21), users);
    }

    [Fact]
    public void SplittingMoreThanAvailableClampsInsteadOfThrowing()
    {
        var (top, rest) = new Rect(0, 0, 10, 3).SplitTop(5);
        Assert.Equal(new Rect(0, 0, 10, 3), top);
        Assert.True(rest.IsEmpty);
        Assert.True(new Rect(0, 0, 1, 1).Inner(1).IsEmpty);
    }

    [Fact]
    public void InnerShrinksEverySide() =>
        Assert.Equal(new Rect(1, 1, 8, 3), new Rect(0, 0, 10, 5).Inner(1));

    [Fact]
    public void IntersectAndContainsUseExclusiveRightAndBottom()
    {
        var a = new Rect(0, 0, 10, 10);
        Assert.Equal(new Rect(5, 5, 5, 5), a.Intersect(new Rect(5, 5, 10, 10)));
        Assert.True(a.Intersect(new Rect(10, 0, 5, 5)).IsEmpty);
        Assert.True(a.Contains(9, 9));
        Assert.False(a.Contains(10, 9));
        Assert.Equal(new Rect(0, 3, 10, 1), a.Row(3));
    }
}
