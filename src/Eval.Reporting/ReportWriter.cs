using Eval.Core.Positional;

namespace Eval.Reporting;

/// <summary>Renders a run's charts and its HTML report into a folder (BenchmarkDotNet's exporter, in one place).</summary>
public static class ReportWriter
{
    public static (string Html, IReadOnlyList<ChartFile> Charts) Write(ReportData data, string folder)
    {
        Directory.CreateDirectory(folder);
        var charts = ResultCharts.Render(data, folder).ToList();
        charts.AddRange(FineTuningCharts.Render(data, folder));
        int trained = data.Cases.Select(c => c.TrainedLength).DefaultIfEmpty(4096).Min();
        int longest = Math.Max(trained * 2, data.Cases.Select(c => c.ContextLength).DefaultIfEmpty(trained * 16).Max());
        charts.AddRange(PositionalCharts.Render(folder, new RopeGeometry(HeadDim: 128, Theta: 10000, OriginalContext: trained), longest));
        return (HtmlReport.Write(data, charts, folder), charts);
    }
}
