using ScottPlot;

namespace Eval.Reporting;

/// <summary>Shared chart conventions: sizes, log2 length axes with readable token labels, saving (names: <see cref="ReportFiles"/>).</summary>
internal static class PlotStyle
{
    public const int Width = 900, Height = 520;

    /// <summary>Context lengths are plotted as log2(L) with ticks labelled 256, 1k, 32k...</summary>
    public static void LengthAxis(Plot plot, IEnumerable<int> lengths)
    {
        var ticks = lengths.Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.Select(l => Math.Log2(l)).ToArray(), ticks.Select(Tokens).ToArray());
        plot.Axes.Bottom.Label.Text = "context length (tokens, log scale)";
    }

    public static string Tokens(int length) => length >= 1024 && length % 1024 == 0 ? $"{length / 1024}k" : length.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static ChartFile Save(Plot plot, string folder, string section, string title, string file, string caption = "")
    {
        string path = ReportFiles.Write(System.IO.Path.Combine(folder, file), p => plot.SavePng(p, Width, Height));
        return new ChartFile(section, title, path, caption);
    }
}
