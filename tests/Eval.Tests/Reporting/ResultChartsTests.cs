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
