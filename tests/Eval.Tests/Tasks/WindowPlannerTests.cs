using Eval.Core.Tasks;

namespace Eval.Tests.Tasks;

/// <summary>Golden windows for each protocol, in the spirit of lm-evaluation-harness's rolling-window tests.</summary>
public class WindowPlannerTests
{
    static string Show(IEnumerable<ScoringWindowPlan> plans) => string.Join(" ", plans.Select(p => $"[{p.Start},{p.End})@{p.FirstTarget}"));

    static IEnumerable<int> ScoredIndices(IEnumerable<ScoringWindowPlan> plans) =>
        plans.SelectMany(p => Enumerable.Range(p.Start + p.FirstTarget, p.Targets));

    [Test]
    public void Sliding_TenTokensWindowFourStrideTwo_MatchesHfLoop() =>
        Assert.That(Show(WindowPlanner.Sliding(10, 4, 2)), Is.EqualTo("[0,4)@1 [2,6)@2 [4,8)@2 [6,10)@2"));

    [Test]
    public void Sliding_StrideNotDividingRemainder_LastWindowScoresOnlyNewTokens() =>
        Assert.That(Show(WindowPlanner.Sliding(11, 4, 3)), Is.EqualTo("[0,4)@1 [3,7)@1 [6,10)@1 [9,11)@1"));

    [Test]
    public void Sliding_StrideBelowWindow_ScoresEachTokenAfterTheFirstExactlyOnce()
    {
        foreach (var (n, l, s) in new[] { (100, 16, 5), (64, 64, 1), (257, 32, 31), (1000, 128, 100), (33, 8, 7) })
            Assert.That(ScoredIndices(WindowPlanner.Sliding(n, l, s)), Is.EqualTo(Enumerable.Range(1, n - 1)), $"N={n} L={l} S={s}");
    }

    [Test]
    public void Sliding_StrideEqualsWindow_EqualsChunksWindowForWindow()
    {
        foreach (var (n, l) in new[] { (64, 16), (256, 256), (300, 100) })
            Assert.That(Show(WindowPlanner.Sliding(n, l, l)), Is.EqualTo(Show(WindowPlanner.Chunks(n, l))), $"N={n} L={l}");
    }

    [Test]
    public void Sliding_StrideEqualsWindow_LeavesEachWindowsFirstTokenUnscoredAsHf()
    {
        var scored = ScoredIndices(WindowPlanner.Sliding(257, 32, 32)).ToHashSet();
        Assert.That(Enumerable.Range(0, 257).Where(i => !scored.Contains(i)), Is.EqualTo(Enumerable.Range(0, 9).Select(k => k * 32)));
    }

    [Test]
    public void Chunks_RemainderIsDropped() =>
        Assert.That(Show(WindowPlanner.Chunks(10, 4)), Is.EqualTo("[0,4)@1 [4,8)@1"));

    [Test]
    public void Tail_HalfOfWindowEight_ScoresLogitsFromPositionFourAsLlamaCpp()
    {
        // llama.cpp: first = n_ctx / 2; logits j in [first, n_ctx - 1) predict tokens j + 1: targets 5, 6, 7.
        Assert.That(Show(WindowPlanner.Tail(16, 8, 0.5)), Is.EqualTo("[0,8)@5 [8,16)@5"));
        Assert.That(Show(WindowPlanner.Tail(8, 8, 1.0)), Is.EqualTo("[0,8)@1"));
    }

    [Test]
    public void Tail_HalfOfAnOddWindow_StartsAtLlamaCppsIntegerHalf()
    {
        // n_ctx = 9: first = 9 / 2 = 4, so logits 4..7 predict tokens 5..8: four targets, not three.
        Assert.That(Show(WindowPlanner.Tail(9, 9, 0.5)), Is.EqualTo("[0,9)@5"));
        Assert.That(Show(WindowPlanner.Tail(10, 10, 0.3)), Is.EqualTo("[0,10)@8"), "0.3 x 10 is 3 scored positions, not 4");
    }

    [Test]
    public void MaxWindows_LimitsEveryProtocol()
    {
        Assert.That(WindowPlanner.Sliding(1000, 10, 5, 3), Has.Count.EqualTo(3));
        Assert.That(WindowPlanner.Chunks(1000, 10, 3), Has.Count.EqualTo(3));
        Assert.That(WindowPlanner.Tail(1000, 10, 0.5, 3), Has.Count.EqualTo(3));
    }

    [TestCase(0)]
    [TestCase(9)]
    public void Sliding_StrideOutsideWindow_IsRejected(int stride) =>
        Assert.That(Assert.Throws<TaskException>(() => WindowPlanner.Sliding(100, 8, stride))!.Message, Does.Contain($"Stride {stride}"));

    // Edges for issue #23 (mutation testing): a window with nothing to score is never planned.
    [Test]
    public void Sliding_OneTokenStream_HasNoWindow() =>
        // The only token is the first, which nothing predicts.
        Assert.That(WindowPlanner.Sliding(1, 4, 2), Is.Empty);

    [Test]
    public void Tail_FractionScoringNoToken_IsRejected() =>
        // ceil(0.1 x 8) = 1 position: first target 8 = the window, no token left to score.
        Assert.That(Assert.Throws<TaskException>(() => WindowPlanner.Tail(16, 8, 0.1))!.Message, Does.Contain("tail_fraction 0.1"));

    [Test]
    public void Sliding_OverlappingWindows_ScoreEveryTokenAfterTheFirstExactlyOnce()
    {
        // Stream 20, window 8, stride 4: each window scores only what the previous one did not reach.
        var plans = WindowPlanner.Sliding(20, 8, 4);
        var scored = plans.SelectMany(p => Enumerable.Range(p.Start + p.FirstTarget, p.Targets)).ToList();
        Assert.That(scored, Is.EqualTo(Enumerable.Range(1, 19)));
        Assert.That(plans.Select(p => p.Length), Is.All.EqualTo(8));
    }
}
