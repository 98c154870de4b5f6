using TcpChat.Tui.Input;

namespace TcpChat.Tests.Tui.Input;

public class LineEditorTests
{
    private static LineEditor With(string text)
    {
        var editor = new LineEditor();
        editor.Insert(text);
        return editor;
    }

    [Fact]
    public void InsertPutsTextAtTheCursorAndMovesPastIt()
    {
        var editor = With("hllo");
        editor.Home();
        editor.Right();
        editor.Insert("e");
        Assert.Equal("hello", editor.Text);
        Assert.Equal(2, editor.Cursor);
    }

    [Fact]
    public void CursorMovesByWholeGraphemes()
    {
        var editor = With("a👍🏽e\u0301漢");
        Assert.Equal(["a", "👍🏽", "e\u0301", "漢"], editor.Graphemes);
        Assert.Equal(4, editor.Cursor);
        editor.Left();
        editor.Left();
        Assert.Equal(2, editor.Cursor);
        editor.Backspace(); // the whole thumbs-up with its skin tone
        Assert.Equal("ae\u0301漢", editor.Text);
        editor.Delete(); // e and its accent together
        Assert.Equal("a漢", editor.Text);
        Assert.Equal(1, editor.Cursor);
    }

    [Fact]
    public void CombiningMarkTypedSeparatelyJoinsThePreviousCharacter()
    {
        var editor = With("cafe");
        editor.Insert("\u0301");
        Assert.Equal(4, editor.Length);
        Assert.Equal("e\u0301", editor.Graphemes[3]);
        Assert.Equal(4, editor.Cursor);
        editor.Backspace();
        Assert.Equal("caf", editor.Text);
    }

    [Fact]
    public void SkinToneModifierTypedAfterTheEmojiMakesOneGrapheme()
    {
        var editor = With("👍");
        editor.Insert("🏽");
        Assert.Equal(["👍🏽"], editor.Graphemes);
        Assert.Equal(1, editor.Cursor);
    }

    [Fact]
    public void BackspaceAndDeleteAtTheEdgesDoNothing()
    {
        var editor = With("ab");
        Assert.False(editor.Delete());
        editor.Home();
        Assert.False(editor.Backspace());
        Assert.False(editor.Left());
        Assert.Equal("ab", editor.Text);
        Assert.True(editor.End());
        Assert.False(editor.Right());
    }

    [Fact]
    public void HomeAndEndGoToTheEnds()
    {
        var editor = With("hello world");
        editor.Home();
        Assert.Equal(0, editor.Cursor);
        editor.End();
        Assert.Equal(11, editor.Cursor);
    }

    [Fact]
    public void CtrlWDeletesTheSpacesThenTheWordBeforeTheCursor()
    {
        var editor = With("say hello   world   ");
        editor.DeleteWordBackward();
        Assert.Equal("say hello   ", editor.Text);
        editor.DeleteWordBackward();
        Assert.Equal("say ", editor.Text);
        editor.DeleteWordBackward();
        Assert.Equal("", editor.Text);
        Assert.False(editor.DeleteWordBackward());
    }

    [Fact]
    public void CtrlWInTheMiddleKeepsTheTextAfterTheCursor()
    {
        var editor = With("one two three");
        for (int i = 0; i < 5; i++)
            editor.Left();
        editor.DeleteWordBackward(); // "two " before the cursor
        Assert.Equal("one three", editor.Text);
        Assert.Equal(4, editor.Cursor);
    }

    [Fact]
    public void CtrlUDeletesEverythingBeforeTheCursor()
    {
        var editor = With("João 漢字 end");
        for (int i = 0; i < 3; i++)
            editor.Left();
        editor.DeleteToStart();
        Assert.Equal("end", editor.Text);
        Assert.Equal(0, editor.Cursor);
    }

    [Fact]
    public void CtrlKDeletesEverythingFromTheCursor()
    {
        var editor = With("keep drop");
        for (int i = 0; i < 5; i++)
            editor.Left();
        editor.DeleteToEnd();
        Assert.Equal("keep", editor.Text);
    }

    [Fact]
    public void WordMovesSkipSpacesAndWords()
    {
        var editor = With("one two  three");
        editor.WordLeft();
        Assert.Equal(9, editor.Cursor);
        editor.WordLeft();
        Assert.Equal(4, editor.Cursor);
        editor.WordRight();
        Assert.Equal(7, editor.Cursor);
    }

    [Fact]
    public void SubmitReturnsTheTextClearsAndRemembersIt()
    {
        var editor = With("hello");
        Assert.Equal("hello", editor.Submit());
        Assert.Equal("", editor.Text);
        Assert.Equal(0, editor.Cursor);
        Assert.Equal(["hello"], editor.History);
    }

    [Fact]
    public void SubmitSkipsBlankLinesAndRepeatsInTheHistory()
    {
        var editor = new LineEditor();
        editor.Insert("a");
        editor.Submit();
        editor.Insert("a");
        editor.Submit();
        editor.Insert("   ");
        editor.Submit();
        editor.Submit();
        Assert.Equal(["a"], editor.History);
    }

    [Fact]
    public void HistoryUpAndDownKeepTheDraft()
    {
        var editor = new LineEditor();
        foreach (string line in new[] { "first", "second" })
        {
            editor.Insert(line);
            editor.Submit();
        }
        editor.Insert("draft in progress");

        Assert.True(editor.HistoryUp());
        Assert.Equal("second", editor.Text);
        Assert.Equal(6, editor.Cursor);
        Assert.True(editor.HistoryUp());
        Assert.Equal("first", editor.Text);
        Assert.False(editor.HistoryUp());
        Assert.Equal("first", editor.Text);

        Assert.True(editor.HistoryDown());
        Assert.Equal("second", editor.Text);
        Assert.True(editor.HistoryDown());
        Assert.Equal("draft in progress", editor.Text);
        Assert.False(editor.HistoryDown());
        Assert.Equal("draft in progress", editor.Text);
    }

    [Fact]
    public void HistoryIsEmptyAtFirst()
    {
        var editor = With("draft");
        Assert.False(editor.HistoryUp());
        Assert.False(editor.HistoryDown());
        Assert.Equal("draft", editor.Text);
    }

    [Fact]
    public void SubmittingARecalledLineStartsAgainAtTheDraft()
    {
        var editor = With("one");
        editor.Submit();
        editor.HistoryUp();
        Assert.Equal("one", editor.Submit());
        Assert.Equal(["one"], editor.History);
        Assert.False(editor.HistoryDown());
        Assert.True(editor.HistoryUp());
        Assert.Equal("one", editor.Text);
    }

    private static readonly string[] s_nicks = ["alice", "alan", "bob"];

    private static IReadOnlyList<string> Nicks(string prefix) =>
        s_nicks.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();

    [Fact]
    public void TabAtTheStartCompletesANickWithColon()
    {
        var editor = With("b");
        Assert.True(editor.Complete(Nicks));
        Assert.Equal("bob: ", editor.Text);
        Assert.Equal(5, editor.Cursor);
    }

    [Fact]
    public void TabInTheMiddleCompletesANickWithASpace()
    {
        var editor = With("hi b");
        editor.Complete(Nicks);
        Assert.Equal("hi bob ", editor.Text);
    }

    [Fact]
    public void RepeatedTabCyclesThroughTheCandidates()
    {
        var editor = With("al");
        editor.Complete(Nicks);
        Assert.Equal("alice: ", editor.Text);
        editor.Complete(Nicks);
        Assert.Equal("alan: ", editor.Text);
        editor.Complete(Nicks);
        Assert.Equal("alice: ", editor.Text);
    }

    [Fact]
    public void TypingAfterACompletionStartsAFreshOne()
    {
        var editor = With("al");
        editor.Complete(Nicks);
        editor.Insert("hi b");
        editor.Complete(Nicks);
        Assert.Equal("alice: hi bob ", editor.Text);
    }

    [Fact]
    public void CompletionKeepsTheTextAfterTheCursor()
    {
        var editor = With("hi b there");
        for (int i = 0; i < 6; i++)
            editor.Left();
        editor.Complete(Nicks);
        Assert.Equal("hi bob  there", editor.Text);
        Assert.Equal(7, editor.Cursor);
    }

    [Fact]
    public void CommandCompletionGetsASpaceNotAColon()
    {
        var editor = With("/jo");
        editor.Complete(p => new[] { "/join" }.Where(c => c.StartsWith(p, StringComparison.Ordinal)).ToList());
        Assert.Equal("/join ", editor.Text);
    }

    [Fact]
    public void TabWithNoCandidateChangesNothing()
    {
        var editor = With("zz");
        Assert.False(editor.Complete(Nicks));
        Assert.Equal("zz", editor.Text);
    }

    [Fact]
    public void ClearEmptiesTheLineButKeepsTheHistory()
    {
        var editor = With("x");
        editor.Submit();
        editor.Insert("typed");
        editor.Clear();
        Assert.True(editor.IsEmpty);
        Assert.Equal(["x"], editor.History);
    }

    [Fact]
    public void SetTextReplacesTheTextWithTheCursorAtTheEnd()
    {
        var editor = With("old");
        editor.SetText("/msg bob ");
        Assert.Equal("/msg bob ", editor.Text);
        Assert.Equal(9, editor.Cursor);
    }
}
