using System.Numerics;
using Eval.Core.Positional;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>Diagnostics drawn from the strategies' math alone, independent of any run.</summary>
public static class PositionalCharts
{
    public static IEnumerable<ChartFile> Render(string folder, RopeGeometry geometry, int targetLength)
    {
        yield return PlotStyle.Save(Wavelengths(geometry, targetLength), folder, "positional math",
            $"Wavelength per dimension pair (d={geometry.HeadDim}, theta={geometry.Theta}, L0={geometry.OriginalContext}, L={targetLength})",
            "positional-wavelengths.png", "Each strategy's RoPE wavelengths at L; dashed: L0 and L. Pairs whose wavelength exceeds L0 were never seen completing a turn in training.");
        yield return PlotStyle.Save(Decay(geometry.HeadDim, [500, 10000, 1000000], targetLength), folder, "positional math",
            "Long-range decay of RoPE attention for several bases", "positional-decay.png",
            "RoFormer's upper bound on the attention score, (1/(d/2)) sum_j |sum_{k<j} e^(i m theta_k)|, vs relative distance m (the 'remote attenuation' of the RoPE scaling-laws paper).");
    }

    private static Plot Wavelengths(RopeGeometry geometry, int targetLength)
    {
        var plot = new Plot();
        string factor = (targetLength / (double)geometry.OriginalContext).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        foreach (string spec in new[] { "default", $"linear:factor={factor}", $"ntk:factor={factor}", "dynamic:factor=2", $"yarn:factor={factor}", $"llama3:factor={factor}" })
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
