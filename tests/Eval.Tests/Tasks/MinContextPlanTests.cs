using Eval.Core.Tasks;

namespace Eval.Tests.Tasks;

/// <summary>
/// min_context M (#31, first-window dilution): every scored token has between M and L - 1 tokens before it in its
/// window, and no token past the stream's first M goes unscored where a window could score it.
/// </summary>
public class MinContextPlanTests
{
    static string Show(IEnumerable<ScoringWindowPlan> plans) => string.Join(" ", plans.Select(p => $"[{p.Start},{p.End})@{p.FirstTarget}"));

    /// <summary>(stream index, tokens before it in its window) of every scored token.</summary>
    static List<(int Index, int Context)> Scored(IEnumerable<ScoringWindowPlan> plans) =>
        plans.SelectMany(p => Enumerable.Range(p.FirstTarget, p.Targets).Select(j => (p.Start + j, j))).ToList();

    static PerplexityProtocol Protocol(params (string Key, string Value)[] parameters)
    {
        var p = new TaskParameters("perplexity", parameters.ToDictionary(x => x.Key, x => x.Value), PerplexityProtocol.ParameterKeys);
        var protocol = PerplexityProtocol.Read(p);
        p.ThrowIfInvalid();
        return protocol;
    }

    [Test]
    public void Sliding_WindowEightStrideTwoMinContextSix_ScoresFromPositionSixInEveryWindow() =>
        Assert.That(Show(WindowPlanner.Sliding(14, 8, 2, minContext: 6)), Is.EqualTo("[0,8)@6 [2,10)@6 [4,12)@6 [6,14)@6"));

    [Test]
    public void Sliding_MinContext_ScoresEveryTokenFromMOnceWithContextBetweenMAndLMinusOne()
    {
        foreach (var (n, l, s, m) in new[] { (100, 16, 5, 8), (257, 32, 16, 16), (1000, 128, 100, 28), (64, 16, 1, 15), (300, 64, 32, 1) })
        {
            var scored = Scored(WindowPlanner.Sliding(n, l, s, minContext: m));
            Assert.That(scored.Select(x => x.Index), Is.EqualTo(Enumerable.Range(m, n - m)), $"N={n} L={l} S={s} M={m}: tokens from M, each once");
            Assert.That(scored.All(x => x.Context >= m && x.Context <= l - 1), Is.True, $"N={n} L={l} S={s} M={m}: context in [M, L - 1]");
        }
    }

    [Test]
    public void Sliding_WithoutMinContext_ScoresTheFirstWindowFromPositionOne()
    {
        // The dilution min_context removes: 8 windows of 64 at stride 16 score 63 + 7 x 16 tokens, 63 of them from the first window.
        var scored = Scored(WindowPlanner.Sliding(1000, 64, 16, maxWindows: 8));
        Assert.That(scored.Count(x => x.Context < 48), Is.EqualTo(47), "contexts 1 to 47");
        Assert.That(Scored(WindowPlanner.Sliding(1000, 64, 16, maxWindows: 8, minContext: 48)).Count(x => x.Context < 48), Is.Zero);
    }

    [Test]
    public void Sliding_StrideAboveWindowMinusMinContext_IsRefusedRatherThanLeavingGaps() =>
        Assert.That(Assert.Throws<TaskException>(() => WindowPlanner.Sliding(100, 16, 10, minContext: 8))!.Message, Does.Contain("it must lie in [1, 8]"));

    [Test]
    public void Protocol_SlidingWithMinContext_LowersItsStrideToLMinusM()
    {
        var protocol = Protocol(("stride", "256"), ("min_context", "200"));
        var scored = Scored(protocol.Plan(1000, 256));
        Assert.That(scored.Select(x => x.Index), Is.EqualTo(Enumerable.Range(200, 800)));
        Assert.That(scored.All(x => x.Context is >= 200 and <= 255), Is.True);
        Assert.That(protocol.Describe(256, bos: true), Is.EqualTo("sliding window=256 stride=56 min_context=200 bos=document-start"));
    }

    [Test]
    public void Chunks_MinContext_ScoresEachChunkFromPositionM() =>
        Assert.That(Show(Protocol(("protocol", "chunks"), ("min_context", "5")).Plan(20, 8)), Is.EqualTo("[0,8)@5 [8,16)@5"));

    [Test]
    public void Tail_MinContextBeyondTheTail_MovesItsStartToM()
    {
        Assert.That(Show(Protocol(("protocol", "tail"), ("min_context", "6")).Plan(16, 8)), Is.EqualTo("[0,8)@6 [8,16)@6"));
        Assert.That(Show(Protocol(("protocol", "tail"), ("min_context", "2")).Plan(16, 8)), Is.EqualTo("[0,8)@5 [8,16)@5"), "the tail already starts later");
    }

    [TestCase(64, 64)]
    [TestCase(64, 100)]
    public void Plan_MinContextNotBelowTheLength_IsAnErrorNamingTheField(int length, int minContext)
    {
        var protocol = Protocol(("min_context", minContext.ToString()));
        Assert.That(protocol.LengthProblem("perplexity", length), Does.Contain($"Task \"perplexity\": min_context={minContext}"));
        Assert.That(Assert.Throws<TaskException>(() => protocol.Plan(1000, length))!.Message, Does.Contain("min_context"));
    }

    [Test]
    public void Read_NegativeMinContext_IsAnErrorWithTheValidRange() =>
        Assert.That(Assert.Throws<TaskException>(() => Protocol(("min_context", "-1")))!.Message,
            Does.Contain("min_context=-1 is not valid. Expected a whole number in [0, 2147483647]"));
}
