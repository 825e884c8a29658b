using Eval.Core.Results;
using Eval.Reporting;
using Eval.Tests.Fakes;

namespace Eval.Tests.Reporting;

public class HtmlReportTests
{
    string folder = "";

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("html-report-").FullName;
    [TearDown] public void Remove() => Directory.Delete(folder, recursive: true);

    static RunInfo Run => new("r1", "s", "s.yaml", "", DateTime.UnixEpoch, DateTime.UnixEpoch, RunStatus.Completed, StoredCases.Provenance);

    [Test]
    public void Write_Comparison_ShowsEachChangesNoiseAndVerdict()
    {
        var baseline = Run with { Id = "r0" };
        var before = new[] { StoredCases.Perplexity("zoo:m", "default", 256, 6.0, 255, 3.2), StoredCases.Perplexity("zoo:m", "default", 512, 6.0, 8160, 3.2) };
        var after = new[] { StoredCases.Perplexity("zoo:m", "default", 256, 6.0 + Math.Log(1.2), 255, 3.2), StoredCases.Perplexity("zoo:m", "default", 512, 6.0 + Math.Log(1.2), 8160, 3.2) };
        var comparison = RunComparison.Compute(baseline, before, Run, after, 0.05);
        string html = File.ReadAllText(HtmlReport.Write(new ReportData(Run, after, comparison), [], folder));
        Assert.That(html, Does.Contain("<th>noise</th><th class=\"l\">verdict</th>"));
        Assert.That(html, Does.Contain("<td class=\"l\">within noise</td>"), "one window's worth of tokens cannot tell +20%");
        Assert.That(html, Does.Contain("<td class=\"l bad\">beyond tolerance and noise</td>"));
        Assert.That(html, Does.Contain("regressions found"));
    }

    [Test]
    public void Write_EffectiveContextTable_ShowsPerplexityPlusMinusItsErrorAndPasskeyWithItsInterval()
    {
        var data = new ReportData(Run,
        [
            StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0),
            StoredCases.Perplexity("zoo:m", "default", 512, 2.5, 400, null),
            StoredCases.Passkey("zoo:m", "default", 256, 5, 5),
            StoredCases.Passkey("zoo:m", "default", 512, 4, 5),
        ], null);
        string html = File.ReadAllText(HtmlReport.Write(data, [], folder));
        Assert.That(html, Does.Contain("<td>7.39 &#177; 0.37</td>"), "ppl at L0 with its standard error");
        Assert.That(html, Does.Contain("<td>12.18 (error not recorded) @ 512</td>"), "a figure stored before squared NLLs were");
        Assert.That(html, Does.Contain("<td>80% (4/5, 95% CI 38-96%) @ 512</td>"));
    }

    /// <summary>Issue #31: seeds fold into rows with mean +/- s.d., and each row meets the best by the paired test.</summary>
    [Test]
    public void Write_RunWithTrainingSeeds_ShowsMeanSdAndPairedDifferencesWithTheBest()
    {
        static CaseResult Ppl(string model, params double[] documents)
        {
            var metrics = documents.Select((d, i) => new MetricValue("nll:doc" + i, d * 100, 100, d)).ToList();
            double sum = metrics.Sum(m => m.Sum);
            metrics.Add(new MetricValue("ppl", sum, 100 * documents.Length, Math.Exp(sum / (100 * documents.Length))));
            return StoredCases.Case(model, "carried", 1024, "perplexity", "p", 256, metrics);
        }
        var data = new ReportData(Run,
        [
            Ppl("pi@seed=1", 1.0, 2.0, 3.0), Ppl("pi@seed=2", 1.1, 2.1, 3.1),
            Ppl("direct@seed=1", 1.5, 2.5, 3.5), Ppl("direct@seed=2", 1.6, 2.6, 3.6),
        ], null);

        string html = File.ReadAllText(HtmlReport.Write(data, [], folder));

        Assert.That(html, Does.Contain("<h2>Across training seeds</h2>"));
        double pi1 = Math.Exp(2.0), pi2 = Math.Exp(2.1);
        string sd = (Math.Abs(pi2 - pi1) / Math.Sqrt(2)).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        string mean = ((pi1 + pi2) / 2).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(html, Does.Contain($"<td>{mean} &plusmn; {sd} (2)</td>"));
        Assert.That(html, Does.Contain("<td class=\"l\">pi | carried</td><td class=\"l\">direct | carried</td><td>+64.9%</td>"), "exp(0.5) - 1, paired seed by seed");
        Assert.That(html, Does.Contain("<td>2 x 3</td><td class=\"l\">distinguishable</td>"));
    }

    [Test]
    public void Write_RunWithoutTrainingSeeds_HasNoSeedSection()
    {
        string html = File.ReadAllText(HtmlReport.Write(new ReportData(Run, [StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0)], null), [], folder));
        Assert.That(html, Does.Not.Contain("Across training seeds"));
    }

    [Test]
    public void Write_NamesWithControlCharactersAndMarkup_AreEncodedVisibly()
    {
        var hostile = StoredCases.Perplexity("/models/<script>alert(1)</script>\u001b]0;x\u0007", "default", 256, 2.0, 400, 1.0);
        var data = new ReportData(Run with { SuiteName = "s\u001b[2J<marquee>" }, [hostile, hostile with { Status = CaseStatus.Failed, Error = "boom\u001b[31m\nnext" }], null);
        string html = File.ReadAllText(HtmlReport.Write(data, [], folder));
        Assert.That(html, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(html, Does.Not.Contain("<script>").And.Not.Contain("<marquee>"));
        Assert.That(html, Does.Contain("/models/&lt;script&gt;alert(1)&lt;/script&gt;\\x1b]0;x\\x07"));
        Assert.That(html, Does.Contain("s\\x1b[2J&lt;marquee&gt;").And.Contain("boom\\x1b[31m\\nnext"));
    }
}
