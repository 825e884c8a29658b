using Eval.Core.Results;
using Eval.Core.Tasks;
using Eval.Reporting;

namespace Eval.Tests.Reporting;

/// <summary>Issue #31: rows across training seeds (mean +/- s.d.) and paired tests between rows, from stored cases.</summary>
public class SeedRowsTests
{
    /// <summary>A perplexity case whose documents have these mean NLLs (100 tokens each).</summary>
    static CaseResult Ppl(string model, string strategy, int length, params double[] documentNll)
    {
        var metrics = documentNll.Select((nll, i) => new MetricValue(PerplexityTask.DocumentMetricPrefix + "doc" + i, nll * 100, 100, nll)).ToList();
        double mean = documentNll.Average();
        metrics.Add(new MetricValue("nll", mean * 100 * documentNll.Length, 100 * documentNll.Length, mean));
        metrics.Add(new MetricValue("ppl", mean * 100 * documentNll.Length, 100 * documentNll.Length, Math.Exp(mean)));
        return Case(model, strategy, length, "perplexity", metrics, []);
    }

    static CaseResult Passkey(string model, params (double Depth, bool Correct)[] trials) =>
        Case(model, "carried", 1024, "passkey", [new MetricValue("accuracy", trials.Count(t => t.Correct), trials.Length, trials.Count(t => t.Correct) / (double)trials.Length)],
            trials.Select(t => new SeriesPoint(PasskeyTask.TrialSeries, t.Depth, t.Correct ? 1 : 0)).ToList());

    static CaseResult Case(string model, string strategy, int length, string task, List<MetricValue> metrics, List<SeriesPoint> series) =>
        new("h-" + model + strategy + length + task, $"{model} | {strategy} | {length} | {task}", model, "fp", strategy, length, 256, task, "p", 1234,
            CaseStatus.Completed, null, DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 1, 1, null, metrics, series);

    [Test]
    public void Figures_FoldSeedsIntoOneRow_WithMeanAndSampleSd()
    {
        var cases = new[] { Ppl("pi@seed=1", "carried", 1024, 1, 1), Ppl("pi@seed=2", "carried", 1024, 2, 2), Ppl("pi@seed=3", "carried", 1024, 3, 3), Ppl("zoo", "yarn", 1024, 1, 1) };

        var figures = SeedRows.Figures(cases, "perplexity");

        var pi = figures.Single(f => f.Row == new SeedRow("pi", "carried"));
        double[] ppl = [Math.E, Math.Exp(2), Math.Exp(3)];
        double mean = ppl.Average();
        Assert.That(pi.Mean, Is.EqualTo(mean).Within(1e-9));
        Assert.That(pi.StandardDeviation, Is.EqualTo(Math.Sqrt(ppl.Sum(v => (v - mean) * (v - mean)) / 2)).Within(1e-9));
        Assert.That(pi.Seeds, Is.EqualTo(3));
        var zoo = figures.Single(f => f.Row.Group == "zoo");
        Assert.That((zoo.Seeds, zoo.StandardDeviation), Is.EqualTo((1, (double?)null)), "a model trained once is a row of one seed without s.d.");
    }

    [Test]
    public void Compare_PairsSeedBySeedAndDocumentByDocument()
    {
        // B is worse than A by 0.1 nats on every document of every seed, while the documents and seeds themselves vary a lot.
        CaseResult[] a = [Ppl("a@seed=1", "s", 512, 1, 3, 5), Ppl("a@seed=2", "s", 512, 2, 4, 6)];
        CaseResult[] b = [Ppl("b@seed=2", "s", 512, 2.1, 4.1, 6.1), Ppl("b@seed=1", "s", 512, 1.1, 3.1, 5.1)];

        var d = SeedRows.Compare(a, b)!;

        Assert.That((d.Seeds, d.Units), Is.EqualTo((2, 3)));
        Assert.That(d.Estimate, Is.EqualTo(0.1).Within(1e-9));
        Assert.That(d.Low, Is.EqualTo(0.1).Within(1e-9), "seed 2 paired with seed 2, whatever the order stored");
        var (change, _, _) = SeedRows.AsChange(PerplexityTask.Perplexity, d);
        Assert.That(change, Is.EqualTo(Math.Exp(0.1) - 1).Within(1e-9), "a perplexity ratio");
    }

    [Test]
    public void Compare_ModelTrainedOnce_PairsWithEverySeed()
    {
        CaseResult[] frozen = [Ppl("zoo", "yarn", 512, 1, 2, 3)];
        CaseResult[] tuned = [Ppl("t@seed=1", "carried", 512, 0.5, 1.5, 2.5), Ppl("t@seed=2", "carried", 512, 0.7, 1.7, 2.7)];

        var d = SeedRows.Compare(frozen, tuned)!;

        Assert.That(d.Seeds, Is.EqualTo(2));
        Assert.That(d.Estimate, Is.EqualTo(-0.4).Within(1e-9));
    }

    [Test]
    public void Compare_OnlySharedDocumentsAndSeeds_Count()
    {
        CaseResult[] a = [Ppl("a@seed=1", "s", 512, 1, 1, 1), Ppl("a@seed=5", "s", 512, 9, 9, 9)];
        CaseResult[] b = [Ppl("b@seed=1", "s", 512, 2, 2)];

        var d = SeedRows.Compare(a, b)!;

        Assert.That((d.Seeds, d.Units, d.Estimate), Is.EqualTo((1, 2, 1.0)));
    }

    [Test]
    public void Compare_NoSharedSeed_IsNull() =>
        Assert.That(SeedRows.Compare([Ppl("a@seed=1", "s", 512, 1, 2)], [Ppl("b@seed=2", "s", 512, 1, 2)]), Is.Null);

    [Test]
    public void Compare_TaskWithoutUnits_IsNull() =>
        Assert.That(SeedRows.Compare([Case("a", "s", 512, "a-newer-task", [new MetricValue("ppl", 1, 1, 1)], [])],
            [Case("b", "s", 512, "a-newer-task", [new MetricValue("ppl", 1, 1, 1)], [])]), Is.Null);

    [Test]
    public void Compare_Passkey_PairsTrialsByDepthAndOrder()
    {
        var a = Passkey("a", (0, true), (0, false), (0.5, true), (0.5, false));
        var b = Passkey("b", (0, true), (0, true), (0.5, true), (0.5, true));

        var d = SeedRows.Compare([a], [b])!;

        Assert.That(d.Units, Is.EqualTo(4));
        Assert.That(d.Estimate, Is.EqualTo(0.5).Within(1e-12), "B retrieves two more of four trials");
        var (change, _, _) = SeedRows.AsChange(PasskeyTask.Accuracy, d);
        Assert.That(change, Is.EqualTo(0.5).Within(1e-12), "accuracy changes in absolute terms");
    }
}
