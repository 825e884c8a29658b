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

    // A figure of 1000 trials (accuracy: value * 1000 correct), whose binomial noise is below the tolerances these tests
    // probe; perplexity without squared NLLs, so its noise is not recorded and the tolerance alone decides.
    static CaseResult Case(string task, string metric, double value, CaseStatus status = CaseStatus.Completed) =>
        Case(task, new MetricValue(metric, value * 1000, 1000, value), status);

    static CaseResult Case(string task, MetricValue metric, CaseStatus status = CaseStatus.Completed) =>
        new("hash", "m | s | 512 | " + task, "m", "fp", "s", 512, 256, task, "", 1, status, status == CaseStatus.Failed ? "boom" : null,
            DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 1, 1, null, [metric], []);

    /// <summary>A perplexity figure of <paramref name="tokens"/> token NLLs with this mean and standard deviation.</summary>
    static MetricValue Ppl(double meanNll, double sd, long tokens) =>
        new("ppl", meanNll * tokens, tokens, Math.Exp(meanNll), tokens * (sd * sd + meanNll * meanNll));

    static MetricValue Accuracy(int correct, int trials) => new("accuracy", correct, trials, correct / (double)trials);

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
    public void Perplexity_BeyondToleranceWithinNoise_IsNotARegression()
    {
        // 100 tokens of s.d. 1.5: s.e.(mu) = 0.15 each, noise = exp(1.96 sqrt(2) 0.15) - 1 = 51.5%; +20% is within it.
        var comparison = Compare(Case("perplexity", Ppl(2, 1.5, 100)), Case("perplexity", Ppl(2 + Math.Log(1.2), 1.5, 100)));
        var change = comparison.Changes.Single();
        Assert.That(change.Change, Is.EqualTo(0.2).Within(1e-9));
        Assert.That(change.Noise, Is.EqualTo(Math.Exp(1.959963984540054 * Math.Sqrt(2) * 1.5 * Math.Sqrt(1 / 99.0)) - 1).Within(1e-9));
        Assert.That((change.Verdict, change.Regressed, change.Reading), Is.EqualTo((ChangeVerdict.WithinNoise, false, "within noise")));
        Assert.That(comparison.HasRegression, Is.False);
    }

    [Test]
    public void Perplexity_BeyondToleranceAndNoise_Regresses()
    {
        // 100,000 tokens: noise 1.3%, so +20% is beyond it and beyond the 5% tolerance.
        var change = Compare(Case("perplexity", Ppl(2, 1.5, 100_000)), Case("perplexity", Ppl(2 + Math.Log(1.2), 1.5, 100_000))).Changes.Single();
        Assert.That(change.Noise, Is.LessThan(0.02));
        Assert.That((change.Verdict, change.Regressed, change.Reading), Is.EqualTo((ChangeVerdict.BeyondToleranceAndNoise, true, "beyond tolerance and noise")));
    }

    [Test]
    public void Perplexity_BeyondNoiseWithinTolerance_IsNotARegression()
    {
        var change = Compare(Case("perplexity", Ppl(2, 1.5, 1_000_000)), Case("perplexity", Ppl(2 + Math.Log(1.04), 1.5, 1_000_000))).Changes.Single();
        Assert.That(change.Noise, Is.LessThan(0.04));
        Assert.That((change.Verdict, change.Regressed), Is.EqualTo((ChangeVerdict.WithinTolerance, false)));
    }

    [Test]
    public void Perplexity_BaselineStoredBeforeSquaredSums_ToleranceAloneDecidesAndSaysNoiseNotRecorded()
    {
        var change = Compare(Case("perplexity", Ppl(2, 1.5, 100) with { SumOfSquares = null }), Case("perplexity", Ppl(2 + Math.Log(1.2), 1.5, 100))).Changes.Single();
        Assert.That((change.Noise, change.NoiseText), Is.EqualTo(((double?)null, "not recorded")));
        Assert.That((change.Verdict, change.Regressed, change.Reading),
            Is.EqualTo((ChangeVerdict.BeyondToleranceNoiseNotRecorded, true, "beyond tolerance (noise not recorded)")));
    }

    [TestCase(5, 3, 5, ChangeVerdict.WithinNoise)]                 // 100% -> 60% of 5 trials: Newcombe's margin 0.52
    [TestCase(50, 30, 50, ChangeVerdict.BeyondToleranceAndNoise)]  // 100% -> 60% of 50 trials: margin 0.14
    [TestCase(1, 0, 1, ChangeVerdict.WithinNoise)]                 // one trial cannot tell 100% from 0%
    public void PasskeyAccuracy_DropAgainstBinomialNoise_RegressesOnlyBeyondIt(int before, int after, int trials, ChangeVerdict verdict)
    {
        var change = Compare(Case("passkey", Accuracy(before, trials)), Case("passkey", Accuracy(after, trials))).Changes.Single();
        Assert.That(change.Verdict, Is.EqualTo(verdict));
        // Newcombe's hybrid score interval: sqrt((p1 - l1)^2 + (u2 - p2)^2) from the Wilson intervals.
        var (l1, _) = Uncertainty.Wilson(before, trials);
        var (_, u2) = Uncertainty.Wilson(after, trials);
        double p1 = before / (double)trials, p2 = after / (double)trials;
        Assert.That(change.Noise, Is.EqualTo(Math.Sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2))).Within(1e-12));
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
    public void Compute_NoCaseInCommon_CountsNoSharedCase()
    {
        var other = Case("perplexity", "ppl", 10) with { Model = "another" };
        Assert.That(Compare(Case("perplexity", "ppl", 10), other).SharedCases, Is.EqualTo(0));
        Assert.That(Compare(Case("perplexity", "ppl", 10, CaseStatus.Failed), Case("perplexity", "ppl", 10)).SharedCases, Is.EqualTo(1),
            "a case failed in the baseline is still a case in common");
    }

    /// <summary>Eight documents of 100 tokens (token NLL s.d. 1.5) whose mean NLLs are these, as perplexity stores them.</summary>
    static CaseResult PerDocument(params double[] documentNll)
    {
        var metrics = documentNll.Select((nll, i) => new MetricValue($"nll:doc{i}", nll * 100, 100, nll, 100 * (1.5 * 1.5 + nll * nll))).ToList();
        double sum = metrics.Sum(m => m.Sum), squares = metrics.Sum(m => m.SumOfSquares!.Value);
        long tokens = metrics.Sum(m => m.Count);
        metrics.Add(new MetricValue("ppl", sum, tokens, Math.Exp(sum / tokens), squares));
        return Case("perplexity", metrics[^1]) with { Metrics = metrics };
    }

    static readonly double[] Documents = [1.0, 2.5, 1.7, 3.2, 2.2, 1.4, 2.9, 1.9];

    /// <summary>
    /// A rise of 0.03 nats on every document: within two independent figures' noise (800 tokens of s.d. 1.5 each), but the
    /// same documents moved the same way, which the paired test sees.
    /// </summary>
    [Test]
    public void Paired_SmallRiseOnEveryDocument_IsARegressionTheIndependentNoiseMisses()
    {
        var before = PerDocument(Documents);
        var after = PerDocument(Documents.Select(d => d + 0.03).ToArray());

        var independent = RunComparison.Compute(Before, [before], After, [after], tolerance: 0).Changes.Single();
        var paired = RunComparison.Compute(Before, [before], After, [after], tolerance: 0, paired: true).Changes.Single();

        Assert.That(independent.Verdict, Is.EqualTo(ChangeVerdict.WithinNoise));
        Assert.That(paired.Verdict, Is.EqualTo(ChangeVerdict.BeyondToleranceAndNoise));
        Assert.That(paired.Paired!.Units, Is.EqualTo(8));
        Assert.That(paired.NoiseText, Does.Contain("paired"));
    }

    [Test]
    public void Paired_RiseThatSomeDocumentsReverse_IsWithinNoise()
    {
        var before = PerDocument(Documents);
        double[] shifts = [0.5, -0.4, 0.3, -0.35, 0.45, -0.3, 0.2, -0.15];
        var after = PerDocument(Documents.Select((d, i) => d + shifts[i]).ToArray());

        var paired = RunComparison.Compute(Before, [before], After, [after], tolerance: 0, paired: true).Changes.Single();

        Assert.That(paired.Change, Is.GreaterThan(0));
        Assert.That(paired.Verdict, Is.EqualTo(ChangeVerdict.WithinNoise));
    }

    [Test]
    public void Paired_TaskWithoutUnits_KeepsTheIndependentNoise()
    {
        var paired = RunComparison.Compute(Before, [Case("passkey", Accuracy(900, 1000))], After, [Case("passkey", Accuracy(800, 1000))], 0.05, paired: true).Changes.Single();

        Assert.That(paired.Paired, Is.Null, "no trials stored");
        Assert.That(paired.Verdict, Is.EqualTo(ChangeVerdict.BeyondToleranceAndNoise));
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
