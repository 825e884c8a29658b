using System.Globalization;
using Eval.Core.Positional;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>
/// The survey's two pictures of Vaswani's sinusoidal encoding, for the run's sinusoidal models (one pair per width d):
/// the vector against dimension for several positions, and each dimension against position, up to the run's longest
/// length. Past L0 the formula simply continues: what the model never saw is the combination of phases, not the values.
/// </summary>
public sealed class SinusoidCharts : IReportRenderer
{
    public string Name => "sinusoids";

    public IReadOnlyList<ChartFile> Render(ReportData data, string folder)
    {
        var charts = new List<ChartFile>();
        var models = data.Models.Where(m => data.Config(m)?.PositionEncoding == "sinusoidal").ToList();
        foreach (var group in models.GroupBy(m => data.Config(m)!.HiddenSize))
        {
            int dim = group.Key, trained = group.Min(data.TrainedLength);
            int longest = Math.Max(2 * trained, data.Cases.Where(c => group.Contains(c.Model)).Max(c => c.ContextLength));
            string suffix = models.Select(m => data.Config(m)!.HiddenSize).Distinct().Count() == 1 ? "" : $"-d{dim}";
            charts.Add(PlotStyle.Save(AgainstDimension(dim, [1, 16, trained / 2, trained, longest]), folder, "positional math",
                $"Sinusoidal position vectors against dimension (d = {dim})", $"sinusoid-dimensions{suffix}.png",
                "PE(p, i) for several positions p: fast-turning dimensions first, slower ones later; p = L0 and the longest length evaluated included."));
            charts.Add(PlotStyle.Save(AgainstPosition(dim, trained, longest), folder, "positional math",
                $"Sinusoidal position vectors against position (d = {dim})", $"sinusoid-positions{suffix}.png",
                "PE(p, i) for several even (sine) dimensions i up to the longest length evaluated; dashed: L0. Low dimensions turn many times within L0, high ones never complete a turn."));
        }
        return charts;
    }

    private static Plot AgainstDimension(int dim, IEnumerable<int> positions)
    {
        var plot = new Plot();
        foreach (int p in positions.Distinct())
        {
            var line = plot.Add.Scatter(Enumerable.Range(0, dim).Select(i => (double)i).ToArray(),
                Enumerable.Range(0, dim).Select(i => Sinusoids.Value(p, i, dim)).ToArray());
            line.LegendText = $"p = {p.ToString(CultureInfo.InvariantCulture)}";
            line.MarkerSize = 0;
        }
        plot.Axes.Bottom.Label.Text = "dimension i";
        plot.Axes.Left.Label.Text = "PE(p, i)";
        plot.Title($"Sinusoidal encoding against dimension (d = {dim})");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot AgainstPosition(int dim, int trained, int longest)
    {
        var plot = new Plot();
        int points = Math.Min(longest + 1, 2000);
        double[] positions = Enumerable.Range(0, points).Select(k => Math.Round((double)k * longest / (points - 1))).ToArray();
        foreach (int i in new[] { 0, dim / 8, dim / 4, dim / 2, dim - 2 }.Select(i => i - i % 2).Distinct())
        {
            var line = plot.Add.Scatter(positions, positions.Select(p => Sinusoids.Value((long)p, i, dim)).ToArray());
            line.LegendText = $"i = {i}";
            line.MarkerSize = 0;
        }
        plot.Add.VerticalLine(trained, 1.5f, Colors.Gray, LinePattern.Dashed);
        plot.Axes.Bottom.Label.Text = "position p";
        plot.Axes.Left.Label.Text = "PE(p, i)";
        plot.Title($"Sinusoidal encoding against position (d = {dim})");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }
}
