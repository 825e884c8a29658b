using Eval.Core.Models;
using Eval.Core.Results;
using Eval.Core.Tasks;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>
/// What a run cost: throughput and peak memory of the perplexity cases computed in it, per strategy and length; and
/// the cost of length predicted from each model's config (<see cref="ModelCost"/>: FLOPs per token, KV cache, attention
/// scores) beside what its cases measured.
/// </summary>
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
        if (LengthFlops(data) is { } flops)
            charts.Add(PlotStyle.Save(flops, folder, "cost", "The cost of length: predicted FLOPs and measured time per token", "cost-length-flops.png",
                "Solid (left axis): forward GFLOPs per token from each model's config, linear layers plus attention over a window of L " +
                "(grows linearly in L); dashed (right axis): measured processor-side microseconds per scored token of the model's computed perplexity cases (mean over strategies)."));
        if (LengthMemory(data) is { } memory2)
            charts.Add(PlotStyle.Save(memory2, folder, "cost", "The cost of length: predicted and measured memory", "cost-length-memory.png",
                "Per model, from its config at the run's dtype: KV cache of all layers (solid), one layer's attention scores materialised (dotted, T x T per head) " +
                "and fused (dash-dot, one log-sum-exp per head and query); dashed: measured peak resident memory of its perplexity cases."));
        return charts;
    }

    /// <summary>The run's models with a config, grouped where their predicted costs agree (the zoo's models share one shape).</summary>
    private static List<IGrouping<(double, long), (string Model, ModelCost Cost, List<CaseResult> Cases)>> CostedShapes(ReportData data, int longest) =>
        data.Models.Where(m => data.Config(m) is not null)
            .Select(m => (Model: m, Cost: new ModelCost(data.Config(m)!, ModelCost.BytesOf(data.Run.Provenance.DType)),
                Cases: data.Completed(m, PerplexityTask.TaskName).Where(c => c.ReusedFromRun is null && c.TokensPerSecond > 0).ToList()))
            .GroupBy(m => (m.Cost.FlopsPerToken(longest), m.Cost.KvCacheBytes(longest))).ToList();

    /// <summary>
    /// One chart: per group of models of one shape, predicted lines (black and grey patterns) against length; per model,
    /// its measured figure (palette colour, dashed) on <paramref name="measuredOnRight"/> or the left axis.
    /// </summary>
    private static Plot? LengthChart(ReportData data, string title, string leftLabel, string? rightLabel,
        IReadOnlyList<(string Label, LinePattern Pattern, Func<ModelCost, int, double> Value)> predictions, Func<CaseResult, double> measured)
    {
        var lengths = data.Cases.Select(c => c.ContextLength).Distinct().Order().ToArray();
        if (lengths.Length == 0) return null;
        var shapes = CostedShapes(data, lengths[^1]);
        if (shapes.Count == 0) return null;
        var plot = new Plot();
        double[] x = lengths.Select(l => Math.Log2(l)).ToArray();
        int colour = 0;
        foreach (var shape in shapes)
        {
            var cost = shape.First().Cost;
            string names = shapes.Count == 1 ? "" : string.Join(", ", shape.Select(m => m.Model.Replace("zoo:", ""))) + ": ";
            foreach (var (label, pattern, value) in predictions)
            {
                var line = plot.Add.Scatter(x, lengths.Select(l => value(cost, l)).ToArray(), Colors.Black);
                (line.LinePattern, line.LineWidth, line.MarkerSize, line.LegendText) = (pattern, 2, 0, names + label);
            }
            foreach (var (model, _, cases) in shape)
            {
                var points = cases.GroupBy(c => c.ContextLength).OrderBy(g => g.Key).ToList();
                if (points.Count == 0) continue;
                var line = plot.Add.Scatter(points.Select(g => Math.Log2(g.Key)).ToArray(), points.Select(g => g.Average(measured)).ToArray(), plot.Add.Palette.GetColor(colour++));
                (line.LinePattern, line.LegendText) = (LinePattern.Dashed, $"{model} measured");
                if (rightLabel is not null) line.Axes.YAxis = plot.Axes.Right;
            }
        }
        PlotStyle.LengthAxis(plot, lengths);
        plot.Axes.Left.Label.Text = leftLabel;
        if (rightLabel is not null) plot.Axes.Right.Label.Text = rightLabel;
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot? LengthFlops(ReportData data) => LengthChart(data, "Cost of length: compute", "predicted GFLOPs per token", "measured microseconds per token",
        [("predicted GFLOPs per token", LinePattern.Solid, (cost, l) => cost.FlopsPerToken(l) / 1e9)], c => 1e6 / c.TokensPerSecond);

    private static double Log10Bytes(double bytes) => Math.Log10(Math.Max(1, bytes));

    private static Plot? LengthMemory(ReportData data) => LengthChart(data, "Cost of length: memory", "log10 bytes", null,
        [("KV cache", LinePattern.Solid, (cost, l) => Log10Bytes(cost.KvCacheBytes(l))),
         ("scores materialised (1 layer)", LinePattern.Dotted, (cost, l) => Log10Bytes(cost.MaterialisedScoreBytes(l))),
         ("scores fused (1 layer)", LinePattern.DenselyDashed, (cost, l) => Log10Bytes(cost.FusedScoreBytes(l)))],
        c => Log10Bytes(c.PeakMemoryBytes));

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
            line.LinePattern = StrategyColors.Pattern(group.Key, cases.Select(c => c.Strategy));
            line.LineWidth = 2;
        }
        PlotStyle.LengthAxis(plot, cases.Select(c => c.ContextLength));
        plot.Axes.Left.Label.Text = label;
        plot.Title($"{label} vs context length (mean over models)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
