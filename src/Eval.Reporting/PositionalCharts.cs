using System.Globalization;
using System.Numerics;
using Eval.Core.Positional;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>
/// Diagnostics drawn from the strategies' math alone, for the run's RoPE models: each model's geometry (head dim and
/// theta from its config.json, its trained length; <see cref="ReportData.Geometry"/>) under the run's own frequency
/// strategies for that model, at the run's longest length; and RoPE's long-range decay at the models' head dims for
/// their bases beside the three of the RoPE scaling-laws paper. Models sharing a geometry share a chart.
/// </summary>
public sealed class PositionalCharts : IReportRenderer
{
    /// <summary>The bases the RoPE scaling-laws paper compares, drawn beside the run's own in the decay chart.</summary>
    public static readonly double[] ComparisonBases = [500, 10000, 1000000];

    public string Name => "positional math";

    public IReadOnlyList<ChartFile> Render(ReportData data, string folder)
    {
        var charts = new List<ChartFile>();
        var models = data.Models.Where(m => data.Geometry(m) is not null).ToList();
        if (models.Count == 0) return charts;
        bool single = models.Select(m => data.Geometry(m)).Distinct().Count() == 1;
        foreach (var group in models.GroupBy(m => data.Geometry(m)!))
        {
            var geometry = group.Key;
            int target = TargetLength(data, group.ToList());
            var strategies = group.SelectMany(m => WavelengthStrategies(data, m)).Distinct().ToList();
            string names = string.Join(", ", group.Select(Short));
            charts.Add(PlotStyle.Save(Wavelengths(geometry, target, strategies), folder, "positional math",
                string.Create(CultureInfo.InvariantCulture, $"Wavelength per dimension pair ({names}: d={geometry.HeadDim}, theta={geometry.Theta}, L0={geometry.OriginalContext}, L={target})"),
                single ? "positional-wavelengths.png" : ReportFiles.Chart("positional", "wavelengths", group.First()),
                "The run's RoPE strategies for these models at L; dashed: L0, dotted: L. Pairs whose wavelength exceeds L0 were never seen completing a turn in training."));
        }
        var headDims = models.Select(m => data.Geometry(m)!.HeadDim).Distinct().ToList();
        foreach (int headDim in headDims)
        {
            var own = models.Where(m => data.Geometry(m)!.HeadDim == headDim).ToList();
            var bases = own.Select(m => data.Geometry(m)!.Theta).Concat(ComparisonBases).Distinct().Order().ToArray();
            charts.Add(PlotStyle.Save(Decay(headDim, bases, TargetLength(data, own)), folder, "positional math",
                $"Long-range decay of RoPE attention for several bases (d = {headDim})", headDims.Count == 1 ? "positional-decay.png" : $"positional-decay-d{headDim}.png",
                "RoFormer's upper bound on the attention score, (1/(d/2)) sum_j |sum_{k<j} e^(i m theta_k)|, vs relative distance m (the 'remote attenuation' " +
                $"of the RoPE scaling-laws paper), for the run's bases ({string.Join(", ", own.Select(m => data.Geometry(m)!.Theta).Distinct().Select(t => t.ToString(CultureInfo.InvariantCulture)))}) and the paper's."));
        }
        return charts;
    }

    /// <summary>The run's strategies for a model whose RoPE frequencies this chart can draw (attention-level and model-level ones have none of their own).</summary>
    public static IReadOnlyList<string> WavelengthStrategies(ReportData data, string model)
    {
        var geometry = data.Geometry(model);
        if (geometry is null) return [];
        int target = TargetLength(data, [model]);
        var drawable = new List<string>();
        foreach (string spec in data.Strategies(model))
        {
            try
            {
                var strategy = StrategyRegistry.Create(spec);
                if (strategy.Kind != PositionalKind.Rope) continue;
                strategy.Frequencies(geometry, target); // a strategy that does not fit the geometry (its cases failed too) is left out
                drawable.Add(spec);
            }
            catch (Exception e) when (e is StrategyException or ArgumentException) { }
        }
        return drawable;
    }

    /// <summary>The longest length the models were run at, and at least twice the shortest training length (as before geometries came from the run).</summary>
    private static int TargetLength(ReportData data, IReadOnlyList<string> models)
    {
        var cases = data.Cases.Where(c => models.Contains(c.Model)).ToList();
        int trained = cases.Min(c => c.TrainedLength);
        return Math.Max(trained * 2, cases.Max(c => c.ContextLength));
    }

    private static string Short(string model) => model.Replace("zoo:", "");

    private static Plot Wavelengths(RopeGeometry geometry, int targetLength, IReadOnlyList<string> strategies)
    {
        var plot = new Plot();
        foreach (string spec in strategies)
        {
            double[] inverse = StrategyRegistry.Create(spec).Frequencies(geometry, targetLength).InverseFrequencies;
            var line = plot.Add.Scatter(Enumerable.Range(0, inverse.Length).Select(i => (double)i).ToArray(),
                inverse.Select(f => Math.Log10(2 * Math.PI / f)).ToArray(), StrategyColors.For(spec));
            line.LegendText = spec;
            line.MarkerSize = 3;
        }
        plot.Add.HorizontalLine(Math.Log10(geometry.OriginalContext), 1.5f, Colors.Gray, LinePattern.Dashed);
        plot.Add.HorizontalLine(Math.Log10(targetLength), 1.5f, Colors.Black, LinePattern.Dotted);
        plot.Axes.Bottom.Label.Text = "dimension pair i";
        plot.Axes.Left.Label.Text = "log10 wavelength (tokens)";
        plot.Title("RoPE wavelengths after each strategy");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>RoFormer section 3.4.3: relative upper bound of q k^T as a function of distance m.</summary>
    public static double DecayBound(double[] inverse, int distance)
    {
        var partial = Complex.Zero;
        double total = 0;
        foreach (double f in inverse)
        {
            partial += Complex.FromPolarCoordinates(1, distance * f);
            total += partial.Magnitude;
        }
        return total / inverse.Length;
    }

    private static Plot Decay(int headDim, double[] bases, int maxDistance)
    {
        var plot = new Plot();
        int[] distances = Enumerable.Range(0, 200).Select(i => (int)Math.Round(Math.Pow(maxDistance, i / 199.0))).Distinct().ToArray();
        foreach (double theta in bases)
        {
            double[] inverse = RopeStrategy.InverseFrequencies(headDim, theta);
            var line = plot.Add.Scatter(distances.Select(m => Math.Log10(Math.Max(1, m))).ToArray(), distances.Select(m => DecayBound(inverse, m)).ToArray());
            line.LegendText = $"theta = {theta:G3}";
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }
        plot.Axes.Bottom.Label.Text = "log10 relative distance m";
        plot.Axes.Left.Label.Text = "relative upper bound";
        plot.Title($"RoPE long-range decay (d = {headDim})");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
