using Eval.Core.Results;

namespace Eval.Tests.Results;

public class UncertaintyTests
{
    [Test]
    public void StandardErrorOfMean_FromSumAndSquares_EqualsTheSampleStandardErrorAsLlamaCpp()
    {
        double[] nll = [2.0, 3.5, 1.25, 4.0, 2.75];
        double mean = nll.Average();
        double expected = Math.Sqrt(nll.Sum(x => (x - mean) * (x - mean)) / (nll.Length - 1) / nll.Length);
        Assert.That(Uncertainty.StandardErrorOfMean(nll.Sum(), nll.Sum(x => x * x), nll.Length), Is.EqualTo(expected).Within(1e-12));
        // llama.cpp: nll2 = mean(x^2) - mu^2; s.e. = sqrt(nll2 / (N - 1)); ppl +/- s.e. * ppl.
        double llamaCpp = Math.Sqrt((nll.Average(x => x * x) - mean * mean) / (nll.Length - 1));
        var ppl = new MetricValue("ppl", nll.Sum(), nll.Length, Math.Exp(mean), nll.Sum(x => x * x));
        Assert.That(Uncertainty.PerplexityStandardError(ppl), Is.EqualTo(Math.Exp(mean) * llamaCpp).Within(1e-12));
    }

    [Test]
    public void StandardErrorOfMean_NotRecordedOrOneToken_IsNull()
    {
        Assert.That(Uncertainty.StandardErrorOfMean(250, null, 100), Is.Null);
        Assert.That(Uncertainty.StandardErrorOfMean(2, 4, 1), Is.Null);
        Assert.That(Uncertainty.StandardErrorOfMean(6, 12, 3), Is.EqualTo(0), "equal values: no spread");
    }

    // Golden values: Wilson (1927) score interval at z = 1.96, as statsmodels' proportion_confint(method="wilson").
    [TestCase(4, 5, 0.3755, 0.9638)]
    [TestCase(0, 10, 0.0, 0.2775)]
    [TestCase(10, 10, 0.7225, 1.0)]
    [TestCase(50, 100, 0.4038, 0.5962)]
    public void Wilson_KnownProportions_GivesTheScoreInterval(int successes, int trials, double low, double high)
    {
        var (l, h) = Uncertainty.Wilson(successes, trials);
        Assert.That((l, h), Is.EqualTo((low, high)).Using<(double, double)>((a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-4 && Math.Abs(a.Item2 - b.Item2) < 1e-4));
    }

    [Test]
    public void FigureText_HeadlineOfEachTask_CarriesItsUncertainty()
    {
        CaseResult Case(string task, MetricValue metric) => new("h", "n", "m", "fp", "default", 256, 256, task, "", 1, CaseStatus.Completed, null,
            DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 1, 1, null, [metric], []);
        double[] nll = [2.0, 3.5, 1.25, 4.0, 2.75];
        var ppl = new MetricValue("ppl", nll.Sum(), nll.Length, Math.Exp(nll.Average()), nll.Sum(x => x * x));
        string error = Uncertainty.PerplexityStandardError(ppl)!.Value.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(FigureText.Headline(Case("perplexity", ppl)), Is.EqualTo($"ppl {ppl.Value.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)} +/- {error}"));
        Assert.That(FigureText.Headline(Case("perplexity", ppl with { SumOfSquares = null })), Does.EndWith("(error not recorded)"));
        Assert.That(FigureText.Headline(Case("passkey", new MetricValue("accuracy", 4, 5, 0.8))), Is.EqualTo("accuracy 80% (4/5, 95% CI 38-96%)"));
    }

    [Test]
    public void Wilson_NoTrials_IsTheWholeRange() =>
        Assert.That(Uncertainty.Wilson(0, 0), Is.EqualTo((0.0, 1.0)));
}
