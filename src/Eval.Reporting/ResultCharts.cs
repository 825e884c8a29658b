using Eval.Core.Tasks;
using System.Text.Json;
using Eval.Core.Results;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>The charts people read extrapolation results from, one set per model, drawn from stored figures.</summary>
public sealed class ResultCharts : IReportRenderer
{
    public string Name => "results";

    public IReadOnlyList<ChartFile> Render(ReportData data, string folder) => Charts(data, folder).ToList();

    private static IEnumerable<ChartFile> Charts(ReportData data, string folder)
    {
        foreach (string model in data.Models)
        {
            string name = Label(data, model);
            int trained = data.TrainedLength(model);
            if (PerplexityVsLength(data, model, trained, PerplexityTask.TaskName) is { } ppl) yield return PlotStyle.Save(ppl, folder, name, $"{name}: perplexity vs context length",
                ReportFiles.Chart(model, "ppl"), $"Token-weighted perplexity; dashed line: training length {trained}.");
            if (PerplexityVsLength(data, model, trained, KeyTokenPerplexityTask.TaskName) is { } key) yield return PlotStyle.Save(key, folder, name, $"{name}: key-token perplexity vs context length",
                ReportFiles.Chart(model, "keyppl"), $"Perplexity of the repeated passages of the long-range corpus only (keyppl); dashed line: training length {trained}.");
            if (KeyLossByDistance(data, model, out int keyLength) is { } distance) yield return PlotStyle.Save(distance, folder, name,
                $"{name}: key-token loss by repeat distance at {keyLength} tokens", ReportFiles.Chart(model, "keyppl-distance"),
                "Mean NLL of the repeated passages' key tokens by how far back their first occurrence lies (keyppl's nll:d=D): a model that uses long context gains where d is within reach.");
            if (PositionLoss(data, model, trained, out int shownLength) is { } position) yield return PlotStyle.Save(position, folder, name,
                $"{name}: loss by position at {shownLength} tokens", ReportFiles.Chart(model, "position"), "Mean NLL per position bucket; where a strategy breaks, its curve rises past the training length.");
            if (AccuracyVsLength(data, model, trained) is { } accuracy) yield return PlotStyle.Save(accuracy, folder, name, $"{name}: passkey accuracy vs length",
                ReportFiles.Chart(model, "passkey"));
            foreach (string strategy in data.Strategies(model))
                if (PasskeyHeatmap(data, model, strategy) is { } heatmap)
                    yield return PlotStyle.Save(heatmap, folder, name + " heatmaps", $"{strategy}", ReportFiles.Chart(model, "heatmap", strategy));
        }
    }

    /// <summary>A zoo model's heading without "zoo:", unless another model of the run (a folder "m" beside zoo:m) would share it.</summary>
    private static string Label(ReportData data, string model)
    {
        string shown = model.Replace("zoo:", "");
        return data.Models.Count(m => m.Replace("zoo:", "") == shown) > 1 ? model : shown;
    }

    /// <param name="task">perplexity or keyppl: both store their figure as ppl.</param>
    private static Plot? PerplexityVsLength(ReportData data, string model, int trained, string task)
    {
        var cases = data.Completed(model, task);
        if (cases.Count == 0) return null;
        var plot = new Plot();
        foreach (var group in cases.GroupBy(c => c.Strategy))
        {
            var points = group.Where(c => c.Metric(PerplexityTask.Perplexity.Name) is not null).OrderBy(c => c.ContextLength).ToList();
            var line = plot.Add.Scatter(points.Select(c => Math.Log2(c.ContextLength)).ToArray(), points.Select(c => Math.Log10(c.Metric(PerplexityTask.Perplexity.Name)!.Value)).ToArray(), StrategyColors.For(group.Key));
            line.LegendText = group.Key;
            line.LinePattern = StrategyColors.Pattern(group.Key, cases.Select(c => c.Strategy));
            line.LineWidth = 2;
        }
        Finish(plot, cases.Select(c => c.ContextLength), trained, $"{model}: {(task == PerplexityTask.TaskName ? "perplexity" : "key-token perplexity")} (log scale)");
        var values = cases.Select(c => c.Metric(PerplexityTask.Perplexity.Name)!.Value).ToList();
        var ticks = LogTicks(values.Min(), values.Max());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Left.Label.Text = "perplexity";
        return plot;
    }

    /// <summary>1-2-5 ticks per decade, densified to 1..9 when the data spans less than a decade.</summary>
    private static double[] LogTicks(double min, double max)
    {
        double[] steps = max / min < 10 ? [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9] : [1, 2, 5];
        var ticks = new List<double>();
        for (double decade = Math.Pow(10, Math.Floor(Math.Log10(min))); decade <= max * 10; decade *= 10)
            foreach (double m in steps)
                if (decade * m >= min / 1.1 && decade * m <= max * 1.1) ticks.Add(decade * m);
        return ticks.ToArray();
    }

    private static Plot? PositionLoss(ReportData data, string model, int trained, out int length)
    {
        var cases = data.Completed(model, PerplexityTask.TaskName).Where(c => c.Series.Any(s => s.Series == "position_nll")).ToList();
        length = cases.Count == 0 ? 0 : cases.Max(c => c.ContextLength);
        if (cases.Count == 0) return null;
        int shown = length;
        var plot = new Plot();
        foreach (var c in cases.Where(c => c.ContextLength == shown))
        {
            var points = c.Series.Where(s => s.Series == "position_nll").ToList();
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), StrategyColors.For(c.Strategy));
            line.LegendText = c.Strategy;
            line.LinePattern = StrategyColors.Pattern(c.Strategy, cases.Select(other => other.Strategy));
            line.LineWidth = 2;
            line.MarkerSize = 3;
        }
        plot.Add.VerticalLine(trained, 2, Colors.Gray, LinePattern.Dashed);
        plot.Axes.Bottom.Label.Text = "position in window (tokens)";
        plot.Axes.Left.Label.Text = "mean NLL (nats)";
        plot.Title($"{model}: loss by position, window of {shown} tokens");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>keyppl's per-distance key-token NLL (series distance_nll) at the longest length scored, per strategy.</summary>
    private static Plot? KeyLossByDistance(ReportData data, string model, out int length)
    {
        var cases = data.Completed(model, KeyTokenPerplexityTask.TaskName).Where(c => c.Series.Any(s => s.Series == KeyTokenPerplexityTask.DistanceSeries)).ToList();
        length = cases.Count == 0 ? 0 : cases.Max(c => c.ContextLength);
        if (cases.Count == 0) return null;
        int shown = length;
        var plot = new Plot();
        foreach (var c in cases.Where(c => c.ContextLength == shown))
        {
            var points = c.Series.Where(s => s.Series == KeyTokenPerplexityTask.DistanceSeries).OrderBy(p => p.X).ToList();
            var line = plot.Add.Scatter(points.Select(p => Math.Log2(p.X)).ToArray(), points.Select(p => p.Y).ToArray(), StrategyColors.For(c.Strategy));
            line.LegendText = c.Strategy;
            line.LinePattern = StrategyColors.Pattern(c.Strategy, cases.Select(other => other.Strategy));
            line.LineWidth = 2;
        }
        PlotStyle.LengthAxis(plot, cases.SelectMany(c => c.Series.Where(s => s.Series == KeyTokenPerplexityTask.DistanceSeries).Select(s => (int)s.X)));
        plot.Axes.Bottom.Label.Text = "repeat distance (tokens back)";
        plot.Axes.Left.Label.Text = "key-token NLL (nats)";
        plot.Title($"{model}: key-token loss by distance, {shown} tokens");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot? AccuracyVsLength(ReportData data, string model, int trained)
    {
        var cases = data.Completed(model, PasskeyTask.TaskName);
        if (cases.Count == 0) return null;
        var plot = new Plot();
        foreach (var group in cases.GroupBy(c => c.Strategy))
        {
            var points = group.OrderBy(c => c.ContextLength).ToList();
            var line = plot.Add.Scatter(points.Select(c => Math.Log2(c.ContextLength)).ToArray(), points.Select(c => 100 * c.Metric(PasskeyTask.Accuracy.Name)!.Value).ToArray(), StrategyColors.For(group.Key));
            line.LegendText = group.Key;
            line.LinePattern = StrategyColors.Pattern(group.Key, cases.Select(c => c.Strategy));
            line.LineWidth = 2;
        }
        Finish(plot, cases.Select(c => c.ContextLength), trained, $"{model}: passkey retrieval");
        plot.Axes.Left.Label.Text = "accuracy (%)";
        plot.Axes.SetLimitsY(-5, 105);
        return plot;
    }

    /// <summary>Accuracy by depth (rows) and length (columns) for one strategy; 0 = red, 1 = green.</summary>
    private static Plot? PasskeyHeatmap(ReportData data, string model, string strategy)
    {
        var cases = data.Completed(model, PasskeyTask.TaskName).Where(c => c.Strategy == strategy).OrderBy(c => c.ContextLength).ToList();
        if (cases.Count == 0) return null;
        var trials = cases.SelectMany(c => c.Series.Where(s => s.Series == "passkey_trial").Select(s => (c.ContextLength, Depth: s.X, Correct: s.Y))).ToList();
        var depths = trials.Select(t => t.Depth).Distinct().Order().ToList();
        var lengths = cases.Select(c => c.ContextLength).Distinct().ToList();
        var grid = new double[depths.Count, lengths.Count];
        for (int d = 0; d < depths.Count; d++)
            for (int l = 0; l < lengths.Count; l++)
            {
                var cell = trials.Where(t => t.Depth == depths[d] && t.ContextLength == lengths[l]).ToList();
                grid[depths.Count - 1 - d, l] = cell.Count == 0 ? double.NaN : cell.Average(t => t.Correct);
            }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(grid);
        heatmap.Colormap = new ScottPlot.Colormaps.Custom([Color.FromHex("#b2182b"), Color.FromHex("#f4d03f"), Color.FromHex("#1a9850")]);
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        heatmap.Extent = new CoordinateRect(-0.5, lengths.Count - 0.5, -0.5, depths.Count - 0.5);
        plot.Add.ColorBar(heatmap);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, lengths.Count).Select(i => (double)i).ToArray(), lengths.Select(PlotStyle.Tokens).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, depths.Count).Select(i => (double)i).ToArray(), depths.Select(d => d.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Bottom.Label.Text = "context length";
        plot.Axes.Left.Label.Text = "depth (0 = start)";
        plot.Title($"{model.Replace("zoo:", "")} | {strategy}");
        return plot;
    }

    private static void Finish(Plot plot, IEnumerable<int> lengths, int trained, string title)
    {
        PlotStyle.LengthAxis(plot, lengths.Append(trained));
        plot.Add.VerticalLine(Math.Log2(trained), 2, Colors.Gray, LinePattern.Dashed);
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
    }
}
