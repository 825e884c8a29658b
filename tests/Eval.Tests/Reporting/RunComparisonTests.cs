using Eval.Core.Results;
using Eval.Core.Tasks;
using Eval.Reporting;
using Eval.Storage;

namespace Eval.Tests.Reporting;

/// <summary>The regression gate reads each task's headline figure and direction from the task, not from literals.</summary>
public class RunComparisonTests
{
    static readonly RunInfo Before = Run("before"), After = Run("after");

    static RunInfo Run(string id) => new(id, "suite", "suite.yaml", "", DateTime.UnixEpoch, null, RunStatus.Completed,
        new Provenance("", null, "", "", "", null, "", "", "", null, null, ""));

    static CaseResult Case(string task, string metric, double value, CaseStatus status = CaseStatus.Completed) =>
        new("hash", "m | s | 512 | " + task, "m", "fp", "s", 512, 256, task, "", 1, status, status == CaseStatus.Failed ? "boom" : null,
            DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 1, 1, null, [new MetricValue(metric, value, 1, value)], []);

    static RunComparison Compare(CaseResult before, CaseResult after, double tolerance = 0.05) =>
        RunComparison.Compute(Before, [before], After, [after], tolerance);

    [TestCase(100, 105, false)]   // +5% is within a 5% tolerance
    [TestCase(100, 106, true)]    // +6% is not
    [TestCase(100, 50, false)]    // lower perplexity is better
    public void Perplexity_RelativeRiseBeyondTolerance_Regresses(double before, double after, bool regressed)
    {
        var comparison = Compare(Case("perplexity", "ppl", before), Case("perplexity", "ppl", after));
        Assert.That(comparison.Changes.Single().Regressed, Is.EqualTo(regressed));
        Assert.That(comparison.Changes.Single().Change, Is.EqualTo(after / before - 1).Within(1e-12));
        Assert.That(comparison.HasRegression, Is.EqualTo(regressed));
    }

    [TestCase(0.9, 0.86, false)]  // -0.04 absolute is within 0.05
    [TestCase(0.9, 0.8, true)]    // -0.10 is not
    [TestCase(0.5, 1.0, false)]   // higher accuracy is better
    public void PasskeyAccuracy_AbsoluteDropBeyondTolerance_Regresses(double before, double after, bool regressed)
    {
        var comparison = Compare(Case("passkey", "accuracy", before), Case("passkey", "accuracy", after));
        Assert.That(comparison.Changes.Single().Regressed, Is.EqualTo(regressed));
        Assert.That(comparison.Changes.Single().Change, Is.EqualTo(after - before).Within(1e-12));
    }

    [Test]
    public void Compare_OnlyTheTasksHeadlineIsCompared()
    {
        // A perplexity case's other figures (nll) are not its headline: no change is listed for them.
        var comparison = Compare(Case("perplexity", "nll", 1), Case("perplexity", "nll", 9));
        Assert.That(comparison.Changes, Is.Empty);
    }

    [Test]
    public void Compare_CaseNowFailing_IsARegression()
    {
        var comparison = Compare(Case("perplexity", "ppl", 10), Case("perplexity", "ppl", 10, CaseStatus.Failed));
        Assert.That(comparison.NewFailures, Has.Count.EqualTo(1));
        Assert.That(comparison.HasRegression, Is.True);
    }

    [Test]
    public void HeadlineOf_EveryRegisteredTask_HasOne()
    {
        Assert.That(TaskRegistry.Names.Select(TaskRegistry.HeadlineOf), Has.None.Null);
        Assert.That(TaskRegistry.HeadlineOf("perplexity"), Is.EqualTo(PerplexityTask.Perplexity));
        Assert.That(TaskRegistry.HeadlineOf("passkey"), Is.EqualTo(PasskeyTask.Accuracy));
        Assert.That(TaskRegistry.HeadlineOf("no-such-task"), Is.Null);
    }
}
