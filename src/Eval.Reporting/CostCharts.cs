using Eval.Core.Results;
using Eval.Core.Tasks;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>What a run cost: throughput and peak memory of the perplexity cases computed in it, per strategy and length.</summary>
public sealed class CostCharts : IReportRenderer
{
    public string Name => "cost";

    public IReadOnlyList<ChartFile> Render(ReportData data, string folder)
    {
        var charts = new List<ChartFile>();
        if (Cost(data, c => c.TokensPerSecond, "tokens per second") is { } speed)
            charts.Add(PlotStyle.Save(speed, folder, "cost", "Throughput vs context length", "cost-speed.png", "Perplexity cases; tokens processed per second."));
        if (Cost(data, c => c.PeakMemoryBytes / 1048576.0, "peak memory (MiB)") is { } memory)
            charts.Add(PlotStyle.Save(memory, folder, "cost", "Peak memory vs context length", "cost-memory.png", "Peak resident memory of the process during each perplexity case."));
        return charts;
    }

    private static Plot? Cost(ReportData data, Func<CaseResult, double> value, string label)
    {
        var cases = data.Cases.Where(c => c.Task == PerplexityTask.TaskName && c.Status == CaseStatus.Completed && c.ReusedFromRun is null).ToList();
        if (cases.Count == 0) return null;
        var plot = new Plot();
        foreach (var group in cases.GroupBy(c => c.Strategy))
        {
            var points = group.GroupBy(c => c.ContextLength).OrderBy(g => g.Key).Select(g => (Length: g.Key, Value: g.Average(value))).ToList();
            var line = plot.Add.Scatter(points.Select(p => Math.Log2(p.Length)).ToArray(), points.Select(p => p.Value).ToArray(), StrategyColors.For(group.Key));
            line.LegendText = group.Key;
            line.LineWidth = 2;
        }
        PlotStyle.LengthAxis(plot, cases.Select(c => c.ContextLength));
        plot.Axes.Left.Label.Text = label;
        plot.Title($"{label} vs context length (mean over models)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
