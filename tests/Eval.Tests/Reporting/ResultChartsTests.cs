using System.Text;
using Eval.Core.Results;
using Eval.Reporting;
using Eval.Tests.Fakes;

namespace Eval.Tests.Reporting;

/// <summary>Each model's charts get files of their own, whatever the models are called.</summary>
public class ResultChartsTests
{
    string folder = "";

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("result-charts-").FullName;
    [TearDown] public void Remove() => Directory.Delete(folder, recursive: true);

    static ReportData Data(params string[] models) =>
        new(new RunInfo("r1", "s", "s.yaml", "", DateTime.UnixEpoch, DateTime.UnixEpoch, RunStatus.Completed, StoredCases.Provenance),
            models.SelectMany((m, i) => new[]
            {
                StoredCases.Perplexity(m, "default", 256, 2.0 + i, 400, 1.0),
                StoredCases.Perplexity(m, "default", 512, 2.5 + i, 400, 1.0),
            }).ToList(), null);

    [Test]
    public void Render_ModelNamesThatSlugAlike_WritesEachModelsChartToItsOwnFile()
    {
        var charts = new ResultCharts().Render(Data("tune:pi.2", "tune:pi-2", "zoo:m", "m"), folder);

        Assert.That(charts, Has.Count.EqualTo(4));
        Assert.That(charts.Select(c => c.Path), Is.Unique, "one model's chart must not overwrite another's");
        Assert.That(charts.Select(c => File.ReadAllBytes(c.Path)).Select(Convert.ToBase64String), Is.Unique, "each file holds its own model's chart");
        Assert.That(Path.GetFileName(charts[0].Path), Does.StartWith("tune_pi_2-ppl-"), "the readable part of the name stays");
        Assert.That(charts.Select(c => c.Section), Is.EqualTo(new[] { "tune:pi.2", "tune:pi-2", "zoo:m", "m" }), "each model under a heading of its own");
    }

    /// <summary>keyppl's per-distance figures get a chart of their own, at the longest length scored, and a column in the summary table.</summary>
    [Test]
    public void Render_KeyTokenPerplexity_ChartsLossByDistanceAndTheTableShowsItsLongest()
    {
        static CaseResult Key(string strategy, int length, double scale) => StoredCases.Case("zoo:m", strategy, length, "keyppl", "p", 256,
            [new MetricValue("ppl", 4.0 * 1000, 1000, Math.Exp(4.0), 1000 * 17.0)]) with
        {
            Series = new[] { 128, 512, 2048 }.Select(d => new SeriesPoint(Eval.Core.Tasks.KeyTokenPerplexityTask.DistanceSeries, d, scale * Math.Log2(d))).ToList(),
        };
        var data = new ReportData(new RunInfo("r1", "s", "s.yaml", "", DateTime.UnixEpoch, DateTime.UnixEpoch, RunStatus.Completed, StoredCases.Provenance),
            [Key("default", 1024, 0.5), Key("default", 4096, 0.6), Key("yarn", 4096, 0.3)], null);

        var charts = new ResultCharts().Render(data, folder);
        string html = File.ReadAllText(HtmlReport.Write(data, charts, folder));

        var distance = charts.Single(c => c.Title.Contains("key-token loss by repeat distance"));
        Assert.That(distance.Title, Does.Contain("at 4096 tokens"), "the longest length scored");
        Assert.That(File.Exists(distance.Path), Is.True);
        Assert.That(html, Does.Contain("<th>keyppl at longest</th>"));
        Assert.That(html, Does.Contain("<td>54.60 &#177; 1.73 @ 4k</td>"), "exp(4) with its standard error, sqrt((17 - 16) / 999) x 54.6");
    }

    [Test]
    public void Render_SameModelTwice_NamesItsFileTheSame()
    {
        string first = new ResultCharts().Render(Data("tune:pi.2"), folder).Single().Path;
        string second = new ResultCharts().Render(Data("tune:pi.2"), folder).Single().Path;

        Assert.That(second, Is.EqualTo(first), "a file name is stable: the same run renders the same files");
    }

    [Test]
    public void Write_ThreeHundredCharacterModelName_WritesTheReportWithBoundedFileNames()
    {
        string model = "zoo:" + new string('m', 300);
        var (html, charts) = ReportWriter.Write(Data(model, "zoo:é" + new string('é', 300)), folder);

        Assert.That(File.Exists(html), Is.True);
        Assert.That(charts, Has.Count.GreaterThanOrEqualTo(2));
        Assert.That(charts.Select(c => Encoding.UTF8.GetByteCount(Path.GetFileName(c.Path))), Has.All.LessThanOrEqualTo(100));
        Assert.That(File.ReadAllText(html), Does.Contain(new string('m', 300)), "the page still shows the whole name");
    }
}
