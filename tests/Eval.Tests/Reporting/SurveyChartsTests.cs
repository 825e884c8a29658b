using Eval.Core.Positional;
using Eval.Core.Results;
using Eval.Reporting;
using Eval.Tests.Fakes;

namespace Eval.Tests.Reporting;

/// <summary>The survey's sinusoid pictures and the cost-of-length charts, drawn from each model's config.json.</summary>
public class SurveyChartsTests
{
    string folder = "";

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("survey-charts-").FullName;
    [TearDown] public void Remove() => Directory.Delete(folder, recursive: true);

    static ReportData Data(Dictionary<string, Eval.Core.Models.ModelConfig> configs, params CaseResult[] cases) =>
        new(new RunInfo("r1", "s", "s.yaml", "", DateTime.UnixEpoch, DateTime.UnixEpoch, RunStatus.Completed, StoredCases.Provenance), cases, null, configs);

    [Test]
    public void Sinusoids_ForDimensionFour_AreVaswanisFormula()
    {
        double[] p1 = Enumerable.Range(0, 4).Select(i => Sinusoids.Value(1, i, 4)).ToArray();
        Assert.That(p1, Is.EqualTo(new[] { Math.Sin(1), Math.Cos(1), Math.Sin(0.01), Math.Cos(0.01) }).Within(1e-15));
        Assert.That(Sinusoids.Value(0, 0, 128), Is.EqualTo(0));
        Assert.That(Sinusoids.Value(0, 1, 128), Is.EqualTo(1));
    }

    [Test]
    public void SinusoidCharts_OnlyForSinusoidalModels_TwoPicturesEach()
    {
        var cases = new[] { StoredCases.Perplexity("zoo:sinusoidal", "sinusoidal", 4096, 2, 100, 1), StoredCases.Perplexity("zoo:rope", "default", 256, 2, 100, 1) };
        var configs = new Dictionary<string, Eval.Core.Models.ModelConfig>
        {
            ["zoo:sinusoidal"] = StoredCases.Config(32, 10000, "sinusoidal"),
            ["zoo:rope"] = StoredCases.Config(32, 10000),
        };
        var charts = new SinusoidCharts().Render(Data(configs, cases), folder);
        Assert.That(charts.Select(c => Path.GetFileName(c.Path)), Is.EqualTo(new[] { "sinusoid-dimensions.png", "sinusoid-positions.png" }));
        Assert.That(charts[0].Title, Does.Contain("d = 128"));
        Assert.That(charts.Select(c => c.Path), Has.All.Matches<string>(File.Exists));
        Assert.That(new SinusoidCharts().Render(Data(new() { ["zoo:rope"] = StoredCases.Config(32, 10000) }, cases[1]), folder), Is.Empty);
    }

    [Test]
    public void CostCharts_WithConfigs_AddTheCostOfLengthBesideTheMeasuredCases()
    {
        var cases = new[] { StoredCases.Perplexity("zoo:a", "default", 256, 2, 100, 1), StoredCases.Perplexity("zoo:a", "default", 1024, 2, 100, 1) };
        var withConfigs = new CostCharts().Render(Data(new() { ["zoo:a"] = StoredCases.Config(32, 10000) }, cases), folder);
        Assert.That(withConfigs.Select(c => Path.GetFileName(c.Path)),
            Is.EqualTo(new[] { "cost-speed.png", "cost-memory.png", "cost-length-flops.png", "cost-length-memory.png" }));
        var withoutConfigs = new CostCharts().Render(Data([], cases), folder);
        Assert.That(withoutConfigs.Select(c => Path.GetFileName(c.Path)), Is.EqualTo(new[] { "cost-speed.png", "cost-memory.png" }));
    }
}
