using Eval.Core.Positional;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>
/// One colour per strategy family, the same in every chart of a report: the colour its descriptor declares (the
/// shipped ones follow Tableau 10, then Tableau 20's darker tones); variants of one family in one chart (sinks with and without sink tokens) are told apart by line pattern.
/// </summary>
public static class StrategyColors
{
    // Colours of strategies this harness does not know (from a newer harness's runs), after a stable hash of the name.
    private static readonly Color[] Palette =
    [
        Color.FromHex("#4e79a7"), Color.FromHex("#f28e2b"), Color.FromHex("#e15759"), Color.FromHex("#76b7b2"), Color.FromHex("#59a14f"),
        Color.FromHex("#edc948"), Color.FromHex("#b07aa1"), Color.FromHex("#ff9da7"), Color.FromHex("#9c755f"), Color.FromHex("#bab0ac"),
        Color.FromHex("#17becf"), Color.FromHex("#8c564b"), Color.FromHex("#2f4b7c"), Color.FromHex("#d62728"),
        Color.FromHex("#6b6ecf"), Color.FromHex("#637939"), Color.FromHex("#843c39"), Color.FromHex("#e377c2"),
    ];

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];

    /// <summary>The colour of a canonical strategy spec; variants of one family get the family's colour.</summary>
    public static Color For(string strategy)
    {
        string family = Family(strategy);
        if (StrategyRegistry.Find(family) is { } known) return Color.FromHex(known.Color);
        // An unknown family gets a colour from a stable hash of its name (string.GetHashCode changes with every process).
        return Palette[family.Aggregate(0, (hash, c) => (hash * 31 + c) & 0xFFFFFF) % Palette.Length];
    }

    /// <summary>
    /// The line pattern of <paramref name="strategy"/> among the strategies of one chart: solid for the first of its family
    /// (in the chart's order), then dashed, dotted and densely dashed, so same-coloured variants stay distinguishable.
    /// </summary>
    public static LinePattern Pattern(string strategy, IEnumerable<string> strategiesInChart)
    {
        string family = Family(strategy);
        int index = strategiesInChart.Distinct().Where(s => Family(s) == family).TakeWhile(s => s != strategy).Count();
        return Patterns[index % Patterns.Length];
    }

    private static string Family(string strategy) => strategy.Split(':')[0];

    /// <summary>The i-th colour of the palette, for series that are models rather than strategies.</summary>
    public static Color Nth(int index) => Palette[index % Palette.Length];

    public static string Hex(string strategy) => For(strategy).ToHex();
}
