using Eval.Core.Positional;
using Eval.Core.Results;
using Eval.Reporting;
using Eval.Tests.Fakes;

namespace Eval.Tests.Reporting;

/// <summary>The math charts draw the run's models' geometries under the run's strategies, not a fixed Llama-2 geometry.</summary>
public class PositionalChartsTests
{
    string folder = "";

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("positional-charts-").FullName;
    [TearDown] public void Remove() => Directory.Delete(folder, recursive: true);

    /// <summary>Report data whose models' configs carry these geometries' head dims and bases (L0 comes from the cases).</summary>
    static ReportData Data(IReadOnlyDictionary<string, RopeGeometry>? geometries, params CaseResult[] cases) =>
        new(new RunInfo("r1", "s", "s.yaml", "", DateTime.UnixEpoch, DateTime.UnixEpoch, RunStatus.Completed, StoredCases.Provenance), cases, null,
            geometries?.ToDictionary(g => g.Key, g => StoredCases.Config(g.Value.HeadDim, g.Value.Theta)));

    static readonly CaseResult[] Cases =
    [
        StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0),
        StoredCases.Perplexity("zoo:m", "yarn:factor=auto", 1024, 2.0, 400, 1.0),
        StoredCases.Perplexity("zoo:m", "rerope:window=128", 1024, 2.0, 400, 1.0),
        StoredCases.Perplexity("zoo:m", "longrope:short_factor=1|1,long_factor=2|2", 1024, 2.0, 400, 1.0),
    ];

    [Test]
    public void Render_GeometryFromTheRunsModel_TitlesCarryItsHeadDimThetaAndLengths()
    {
        var data = Data(new Dictionary<string, RopeGeometry> { ["zoo:m"] = new(HeadDim: 64, Theta: 500000, OriginalContext: 256) }, Cases);
        var charts = new PositionalCharts().Render(data, folder);
        Assert.That(charts.Select(c => Path.GetFileName(c.Path)), Is.EqualTo(new[] { "positional-wavelengths.png", "positional-decay.png" }));
        Assert.That(charts[0].Title, Does.Contain("m: d=64, theta=500000, L0=256, L=1024"));
        Assert.That(charts[1].Title, Does.Contain("(d = 64)"));
        Assert.That(charts[1].Caption, Does.Contain("the run's bases (500000)"));
        Assert.That(charts.Select(c => c.Path), Has.All.Matches<string>(File.Exists));
    }

    [Test]
    public void WavelengthStrategies_RunsStrategies_OnlyThoseWithFrequenciesOfTheirOwnThatFitTheGeometry()
    {
        var data = Data(new Dictionary<string, RopeGeometry> { ["zoo:m"] = new(64, 500000, 256) }, Cases);
        // rerope changes attention, not frequencies; longrope's two-entry lists do not fit head dim 64 (its cases failed too).
        Assert.That(PositionalCharts.WavelengthStrategies(data, "zoo:m"), Is.EqualTo(new[] { "default", "yarn:factor=auto" }));
    }

    [Test]
    public void Render_TwoGeometries_OneWavelengthChartEachAndTheirBasesInTheDecayChart()
    {
        var other = StoredCases.Perplexity("zoo:n", "default", 128, 2.0, 400, 1.0, trained: 128);
        var data = Data(new Dictionary<string, RopeGeometry> { ["zoo:m"] = new(64, 500000, 256), ["zoo:n"] = new(64, 10000, 128) }, [.. Cases, other]);
        var charts = new PositionalCharts().Render(data, folder);
        Assert.That(charts.Select(c => Path.GetFileName(c.Path)), Is.EqualTo(new[] { ReportFiles.Chart("positional", "wavelengths", "zoo:m"), ReportFiles.Chart("positional", "wavelengths", "zoo:n"), "positional-decay.png" }));
        Assert.That(Path.GetFileName(charts[0].Path), Does.Match(@"^positional-wavelengths-m-[0-9a-f]{8}\.png$"));
        Assert.That(charts[1].Title, Does.Contain("n: d=64, theta=10000, L0=128, L=256"));
    }

    [Test]
    public void Render_NoRopeGeometry_DrawsNoMathCharts()
    {
        Assert.That(new PositionalCharts().Render(Data(null, Cases), folder), Is.Empty);
    }
}
