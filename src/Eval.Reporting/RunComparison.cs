using Eval.Storage;

namespace Eval.Reporting;

/// <summary>One headline figure of a case in two runs.</summary>
public sealed record MetricChange(string Model, string Strategy, int ContextLength, string Task, string Metric, double Baseline, double Candidate, bool Regressed)
{
    /// <summary>Relative change for perplexity, absolute change for accuracy.</summary>
    public double Change => Metric == "ppl" ? Candidate / Baseline - 1 : Candidate - Baseline;
}

/// <summary>
/// Baseline vs candidate, case by case (matched by model, strategy, length, task and its parameters). Perplexity
/// regresses when it rises by more than the relative tolerance; passkey accuracy when it falls by more than the
/// tolerance in absolute terms; a case that completed in the baseline and failed in the candidate always regresses.
/// </summary>
public sealed record RunComparison(RunInfo Baseline, RunInfo Candidate, double Tolerance, IReadOnlyList<MetricChange> Changes, IReadOnlyList<string> NewFailures)
{
    public bool HasRegression => NewFailures.Count > 0 || Changes.Any(c => c.Regressed);

    public static RunComparison Compute(RunInfo baseline, IReadOnlyList<CaseResult> baselineCases, RunInfo candidate, IReadOnlyList<CaseResult> candidateCases, double tolerance)
    {
        static string Key(CaseResult c) => $"{c.Model}|{c.Strategy}|{c.ContextLength}|{c.Task}|{c.TaskParameters}";
        var before = baselineCases.Where(c => c.Status == CaseStatus.Completed).ToDictionary(Key);
        var changes = new List<MetricChange>();
        var newFailures = new List<string>();
        foreach (var after in candidateCases)
        {
            if (!before.TryGetValue(Key(after), out var old)) continue;
            if (after.Status == CaseStatus.Failed) { newFailures.Add($"{after.DisplayName}: {after.Error}"); continue; }
            foreach (string metric in new[] { "ppl", "accuracy" })
            {
                if (old.Metric(metric) is not { } a || after.Metric(metric) is not { } b) continue;
                bool regressed = metric == "ppl" ? b.Value > a.Value * (1 + tolerance) : b.Value < a.Value - tolerance;
                changes.Add(new MetricChange(after.Model, after.Strategy, after.ContextLength, after.Task, metric, a.Value, b.Value, regressed));
            }
        }
        return new RunComparison(baseline, candidate, tolerance, changes, newFailures);
    }
}
