using Eval.Core.Results;
using Eval.Core.Tuning;
using Eval.Reporting;
using Eval.Storage;

namespace Eval.Tests.Reporting;

/// <summary>The report's fine-tuning section: loss curves, each source beside its tuned models, and the cost table.</summary>
public class FineTuningChartsTests
{
    static readonly RunInfo Run = new("r", "finetune", "finetune.yaml", "", DateTime.UnixEpoch, null, RunStatus.Completed,
        new Provenance("", null, "", "", "", null, "", "", "", null, null, ""));

    static CaseResult Case(string model, string fingerprint, string strategy, int length, double ppl) =>
        new($"{model}{strategy}{length}", $"{model} | {strategy} | {length} | perplexity", model, fingerprint, strategy, length, 256, "perplexity", "", 1,
            CaseStatus.Completed, null, DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 1, 1, null, [new MetricValue("ppl", Math.Log(ppl), 1, ppl)], []);

    static TuneCard Card(string name, string key) => new(name, "suites/zoo/rope-10k", "source-fp", key, "recipe", "linear:factor=4", 1024, 200, 2, 3e-4, 1234,
        819_200, 3.46, 198, 190, 1L << 30, 1, "0.3.0", [[10, 4.1], [20, 3.9], [200, 3.46]], "full", 1_262_720);

    [Test]
    public void Write_RunWithTunedModels_HasTheFineTuningChartsAndCostTable()
    {
        var cases = new[] { 256, 1024 }.SelectMany(l => new[]
        {
            Case("zoo:rope-10k", "source-fp", "default", l, 100 + l / 10.0),
            Case("zoo:rope-10k", "source-fp", "linear:factor=4", l, 120),
            Case("tune:pi", "key-pi", "linear:factor=4", l, 70),
        }).ToList();
        string folder = Path.Combine(Path.GetTempPath(), "finetune-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (html, charts) = ReportWriter.Write(new ReportData(Run, cases, null, Tunings: [Card("pi", "key-pi")]), folder);

            var section = charts.Where(c => c.Section == FineTuningCharts.Section).ToList();
            Assert.That(section.Select(c => c.Title), Is.EqualTo(new[] { "Training loss of each tuned model", "rope-10k and the models tuned from it" }));
            Assert.That(section.Select(c => new FileInfo(c.Path).Length), Is.All.GreaterThan(1000));
            string text = File.ReadAllText(html);
            Assert.That(text, Does.Contain("<h2>Fine-tuned models</h2>"));
            Assert.That(text, Does.Contain("<td class=\"l\">pi</td><td class=\"l\">linear:factor=4</td><td class=\"l\">full</td><td>1,262,720</td><td>1024</td><td>200</td><td>819,200</td>"));
            Assert.That(text, Does.Contain("<td>0.99</td>"), "seconds per step: 198 s / 200 steps");
            Assert.That(text, Does.Contain("1,024 MiB"));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Test]
    public void Write_RunWithoutTunedModels_HasNoFineTuningSection()
    {
        string folder = Path.Combine(Path.GetTempPath(), "finetune-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (html, charts) = ReportWriter.Write(new ReportData(Run, [Case("zoo:rope-10k", "source-fp", "default", 256, 100)], null), folder);
            Assert.That(charts.Where(c => c.Section == FineTuningCharts.Section), Is.Empty);
            Assert.That(File.ReadAllText(html), Does.Not.Contain("Fine-tuned models"));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Test]
    public void Find_KeyThatIsAPath_IsNotLookedUp()
    {
        Assert.That(TuneCard.Find(Path.GetTempPath(), "../etc"), Is.Null);
        Assert.That(TuneCard.Find(Path.GetTempPath(), ""), Is.Null);
    }
}
