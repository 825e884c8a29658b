using ScottPlot;

namespace Eval.Reporting;

/// <summary>One colour per strategy family, the same in every chart of a report (Tableau 10 order).</summary>
public static class StrategyColors
{
    private static readonly string[] Families =
        ["default", "linear", "ntk", "dynamic", "yarn", "dynamic-yarn", "llama3", "longrope", "rerope", "leaky-rerope", "self-extend", "base", "alibi", "nope"];

    private static readonly Color[] Palette =
    [
        Color.FromHex("#4e79a7"), Color.FromHex("#f28e2b"), Color.FromHex("#e15759"), Color.FromHex("#76b7b2"), Color.FromHex("#59a14f"),
        Color.FromHex("#edc948"), Color.FromHex("#b07aa1"), Color.FromHex("#ff9da7"), Color.FromHex("#9c755f"), Color.FromHex("#bab0ac"),
        Color.FromHex("#17becf"), Color.FromHex("#8c564b"), Color.FromHex("#2f4b7c"), Color.FromHex("#d62728"),
    ];

    /// <summary>The colour of a canonical strategy spec; variants of one family get the family's colour.</summary>
    public static Color For(string strategy)
    {
        string family = strategy.Split(':')[0];
        int index = Array.IndexOf(Families, family);
        return Palette[(index < 0 ? Math.Abs(family.GetHashCode(StringComparison.Ordinal)) : index) % Palette.Length];
    }

    /// <summary>The i-th colour of the palette, for series that are models rather than strategies.</summary>
    public static Color Nth(int index) => Palette[index % Palette.Length];

    public static string Hex(string strategy) => For(strategy).ToHex();
}
