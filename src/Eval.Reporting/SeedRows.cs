using Eval.Core.Results;
using Eval.Core.Suites;
using Eval.Core.Tasks;

namespace Eval.Reporting;

/// <summary>A row of a run with its training seeds folded together: a model (its name without @seed=S) under a strategy.</summary>
public sealed record SeedRow(string Group, string Strategy)
{
    public override string ToString() => $"{Group} | {Strategy}";
}

/// <summary>A row's headline at one length across its training seeds: the mean of the seeds' figures and their sample s.d.</summary>
public sealed record SeedFigure(SeedRow Row, int ContextLength, double Mean, double? StandardDeviation, IReadOnlyList<CaseResult> Cases)
{
    public int Seeds => Cases.Count;
}

/// <summary>
/// Figures across training seeds (a suite's seeds:) and paired differences between rows: what the report's seed
/// section and `eval paired` print. A model trained once counts as a row of one seed.
/// </summary>
public static class SeedRows
{
    /// <summary>Every completed case of <paramref name="task"/> by row and length, with the headline's mean and s.d. across seeds.</summary>
    public static IReadOnlyList<SeedFigure> Figures(IEnumerable<CaseResult> cases, string task)
    {
        if (TaskRegistry.HeadlineOf(task) is not { } headline) return [];
        return cases.Where(c => c.Task == task && c.Status == CaseStatus.Completed && c.Metric(headline.Name) is not null)
            .GroupBy(c => (Row: RowOf(c), c.ContextLength, c.TaskParameters))
            .Select(g =>
            {
                var values = g.Select(c => c.Metric(headline.Name)!.Value).ToList();
                double mean = values.Average();
                double? sd = values.Count < 2 ? null : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
                return new SeedFigure(g.Key.Row, g.Key.ContextLength, mean, sd, g.ToList());
            })
            .ToList();
    }

    public static SeedRow RowOf(CaseResult c) => new(TrainingSeed.Parse(c.Model).Group, c.Strategy);

    /// <summary>
    /// B - A (<see cref="PairedBootstrap"/>) on the task's paired units, in the headline's scale (mean token NLL for
    /// perplexity, so exp of it is the ratio of perplexities; share retrieved for passkey). Seeds pair by number where
    /// both rows were trained with seeds; a row trained once pairs with every seed of the other. Null when the task stores
    /// no units, the rows share no seed, or they share fewer than two units.
    /// </summary>
    public static PairedDifference? Compare(IReadOnlyList<CaseResult> a, IReadOnlyList<CaseResult> b)
    {
        if (a.Count == 0 || b.Count == 0 || TaskRegistry.PairedUnitsOf(a[0].Task) is not { } unitsOf) return null;
        var pairs = SeedPairs(a, b);
        if (pairs.Count == 0) return null;
        var units = pairs.Select(p => (A: unitsOf(p.A), B: unitsOf(p.B))).ToList();
        var shared = units.Select(u => u.A.Keys.Intersect(u.B.Keys)).Aggregate((x, y) => x.Intersect(y)).Order(StringComparer.Ordinal).ToList();
        if (shared.Count < 2) return null;
        return PairedBootstrap.Of(units.Select(u => shared.Select(k => u.B[k] - u.A[k]).ToArray()).ToList());
    }

    private static List<(CaseResult A, CaseResult B)> SeedPairs(IReadOnlyList<CaseResult> a, IReadOnlyList<CaseResult> b)
    {
        static int? Seed(CaseResult c) => TrainingSeed.Parse(c.Model).Seed;
        if (a.Count == 1 && Seed(a[0]) is null) return b.Select(x => (a[0], x)).ToList();
        if (b.Count == 1 && Seed(b[0]) is null) return a.Select(x => (x, b[0])).ToList();
        var bySeed = b.Where(x => Seed(x) is not null).GroupBy(Seed).ToDictionary(g => g.Key!.Value, g => g.First());
        return a.Where(x => Seed(x) is int s && bySeed.ContainsKey(s)).Select(x => (x, bySeed[Seed(x)!.Value])).ToList();
    }

    /// <summary>The difference as the headline changes: relative for perplexity (exp of the NLL difference, less 1), absolute for accuracy.</summary>
    public static (double Change, double Low, double High) AsChange(HeadlineMetric headline, PairedDifference d) =>
        headline.RelativeChange ? (Math.Exp(d.Estimate) - 1, Math.Exp(d.Low) - 1, Math.Exp(d.High) - 1) : (d.Estimate, d.Low, d.High);
}
