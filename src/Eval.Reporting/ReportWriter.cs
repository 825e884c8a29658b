namespace Eval.Reporting;

/// <summary>Renders a run's charts and its HTML report into a folder by running the renderers in order.</summary>
public static class ReportWriter
{
    /// <summary>Every renderer of a report, in the order the page shows their charts; the page itself is last.</summary>
    public static IReadOnlyList<IReportRenderer> Renderers { get; } = [new ResultCharts(), new FineTuningCharts(), new CostCharts(), new PositionalCharts(), new SinusoidCharts(), new HtmlReport()];

    public static (string Html, IReadOnlyList<ChartFile> Charts) Write(ReportData data, string folder) => Write(data, folder, Renderers);

    public static (string Html, IReadOnlyList<ChartFile> Charts) Write(ReportData data, string folder, IReadOnlyList<IReportRenderer> renderers)
    {
        Directory.CreateDirectory(folder);
        var charts = new List<ChartFile>();
        string? html = null;
        foreach (var renderer in renderers)
            foreach (var file in renderer.Render(data with { Charts = charts.ToList() }, folder))
            {
                if (file.Section == HtmlReport.Section) html = file.Path;
                else charts.Add(file);
            }
        return (html ?? throw new InvalidOperationException("No renderer wrote the report page."), charts);
    }
}
