using Eval.Core.Results;
using Eval.Core.Tasks;

namespace Eval.Tests.Tasks;

/// <summary>
/// HeadlineMetric's figures on their own, at the edges the run comparison tests do not reach (issue #23): a change of
/// exactly the tolerance, the noise of an absolute mean-NLL figure and of a lower-is-better share, and the cases with
/// nothing to estimate noise from. Expected values are written out (or computed here by an independent Python script,
/// quoted), never by the class under test.
/// </summary>
public class HeadlineMetricTests
{
    // Binary-exact figures, so "exactly the tolerance" is exact.
    [Test]
    public void Regressed_AccuracyDropOfExactlyTheTolerance_IsWithinIt()
    {
        Assert.That(PasskeyTask.Accuracy.Regressed(baseline: 0.5, candidate: 0.25, tolerance: 0.25), Is.False);
        Assert.That(PasskeyTask.Accuracy.Regressed(baseline: 0.5, candidate: 0.125, tolerance: 0.25), Is.True);
    }

    [Test]
    public void Regressed_PerplexityRiseOfExactlyTheTolerance_IsWithinIt()
    {
        // 8 x (1 + 0.25) = 10: a relative tolerance is a share of the baseline.
        Assert.That(PerplexityTask.Perplexity.Regressed(baseline: 8, candidate: 10, tolerance: 0.25), Is.False);
        Assert.That(PerplexityTask.Perplexity.Regressed(baseline: 8, candidate: 10.5, tolerance: 0.25), Is.True);
    }

    [Test]
    public void Change_RelativeForPerplexityAbsoluteForAccuracy()
    {
        Assert.That(PerplexityTask.Perplexity.Change(8, 10), Is.EqualTo(0.25));
        Assert.That(PasskeyTask.Accuracy.Change(0.5, 0.25), Is.EqualTo(-0.25));
    }

    // Token NLLs [1, 3] and [0, 2]: means 2 and 1, population variance 1 each, so s.e. = sqrt(1 / (2 - 1)) = 1 each.
    static readonly MetricValue NllA = new("nll", 4, 2, 2, 10), NllB = new("nll", 2, 2, 1, 4);

    [Test]
    public void NoiseMargin_AbsoluteMeanNll_IsZ95TimesTheJointStandardError() =>
        // 1.959963984540054 x sqrt(1 + 1)
        Assert.That(new HeadlineMetric("nll", HigherIsBetter: false, RelativeChange: false, NoiseModel.MeanTokenNll).NoiseMargin(NllA, NllB),
            Is.EqualTo(2.771807648699356).Within(1e-12));

    [Test]
    public void NoiseMargin_RelativeMeanNll_IsExpOfTheMarginMinusOne() =>
        // exp(1.959963984540054 x sqrt 2) - 1
        Assert.That(PerplexityTask.Perplexity.NoiseMargin(NllA, NllB), Is.EqualTo(14.987507702689744).Within(1e-9));

    [Test]
    public void NoiseMargin_CandidateWithoutSquares_IsNull() =>
        Assert.That(PerplexityTask.Perplexity.NoiseMargin(NllA, NllB with { SumOfSquares = null }), Is.Null);

    [Test]
    public void NoiseMargin_LowerIsBetterShare_UsesBaselinesUpperAndCandidatesLowerDistance()
    {
        // An error rate, 1/10 -> 5/10. Wilson 95% intervals: 1/10 [0.0178762, 0.4041500], 5/10 [0.2365931, 0.7634069];
        // Newcombe for a rise: sqrt((u1 - p1)^2 + (p2 - l2)^2) = 0.402356109392248 (the other pairing would give 0.27591).
        var errorRate = new HeadlineMetric("error_rate", HigherIsBetter: false, RelativeChange: false, NoiseModel.Binomial);
        Assert.That(errorRate.NoiseMargin(new MetricValue("error_rate", 1, 10, 0.1), new MetricValue("error_rate", 5, 10, 0.5)),
            Is.EqualTo(0.402356109392248).Within(1e-12));
    }

    [Test]
    public void NoiseMargin_HigherIsBetterShare_UsesBaselinesLowerAndCandidatesUpperDistance() =>
        // Accuracy 1/10 -> 5/10 (a rise, but the margin is the same formula): sqrt((p1 - l1)^2 + (u2 - p2)^2) = 0.2759121533048666.
        Assert.That(PasskeyTask.Accuracy.NoiseMargin(new MetricValue("accuracy", 1, 10, 0.1), new MetricValue("accuracy", 5, 10, 0.5)),
            Is.EqualTo(0.2759121533048666).Within(1e-12));

    [TestCase(0, 10)]
    [TestCase(10, 0)]
    public void NoiseMargin_ShareWithoutTrials_IsNull(int baselineTrials, int candidateTrials) =>
        Assert.That(PasskeyTask.Accuracy.NoiseMargin(new MetricValue("accuracy", 0, baselineTrials, 0), new MetricValue("accuracy", 0, candidateTrials, 0)),
            Is.Null);

    [Test]
    public void NoiseMargin_NoNoiseModel_IsNull() =>
        Assert.That(new HeadlineMetric("x", true, false).NoiseMargin(NllA, NllB), Is.Null);

    [Test]
    public void NoiseMargin_NoSuccessesInTheBaseline_IsStillComputed() =>
        Assert.That(PasskeyTask.Accuracy.NoiseMargin(new MetricValue("accuracy", 0, 10, 0), new MetricValue("accuracy", 0, 10, 0)), Is.GreaterThan(0));
}
