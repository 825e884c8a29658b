using Eval.Core.Results;
using Eval.Reporting;
using Eval.Tests.Fakes;

namespace Eval.Tests.Reporting;

/// <summary>Renderers are a list: each family writes its files, the page last embeds every chart before it.</summary>
public class ReportWriterTests
{
    string folder = "";

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("report-writer-").FullName;
    [TearDown] public void Remove() => Directory.Delete(folder, recursive: true);

    static ReportData Data => new(new RunInfo("r1", "s", "s.yaml", "", DateTime.UnixEpoch, DateTime.UnixEpoch, RunStatus.Completed, StoredCases.Provenance),
        [StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0)], null);

    sealed class OneChart : IReportRenderer
    {
        public string Name => "one chart";

        public IReadOnlyList<ChartFile> Render(ReportData data, string folder)
        {
            string path = Path.Combine(folder, "one.png");
            File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
            return [new ChartFile("extra", "One chart", path, "drawn by a renderer added to the list")];
        }
    }

    [Test]
    public void Renderers_EachFamilyOnceWithUniqueNamesAndThePageLast()
    {
        Assert.That(ReportWriter.Renderers.Select(r => r.Name), Is.Unique);
        Assert.That(ReportWriter.Renderers.Select(r => r.GetType()), Is.EqualTo(new[] { typeof(ResultCharts), typeof(FineTuningCharts), typeof(CostCharts), typeof(PositionalCharts), typeof(SinusoidCharts), typeof(HtmlReport) }));
    }

    [Test]
    public void Write_AnAddedRenderer_ItsChartIsEmbeddedInThePage()
    {
        var (html, charts) = ReportWriter.Write(Data, folder, [new OneChart(), new HtmlReport()]);
        Assert.That(charts.Select(c => c.Title), Is.EqualTo(new[] { "One chart" }));
        string page = File.ReadAllText(html);
        Assert.That(page, Does.Contain("<h2>extra</h2>").And.Contain(Convert.ToBase64String(File.ReadAllBytes(Path.Combine(folder, "one.png")))));
        Assert.That(page, Does.Contain("drawn by a renderer added to the list"));
    }

    [Test]
    public void Write_WithoutAPageRenderer_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => ReportWriter.Write(Data, folder, [new OneChart()]));
    }
}
