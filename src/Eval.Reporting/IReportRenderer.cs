namespace Eval.Reporting;

/// <summary>
/// One family of report output (BenchmarkDotNet's IExporter): a name and the files it writes for a run. Renderers run in
/// the order of <see cref="ReportWriter.Renderers"/>; each sees the charts written before it in <see cref="ReportData.Charts"/>,
/// so the page, last, embeds them all. A new chart family is one class and one line in that list.
/// </summary>
public interface IReportRenderer
{
    /// <summary>A short unique name (results, cost, positional math, html).</summary>
    string Name { get; }

    /// <summary>Writes this family's files into <paramref name="folder"/> and returns them in the order the report shows them.</summary>
    IReadOnlyList<ChartFile> Render(ReportData data, string folder);
}
