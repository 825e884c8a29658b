using Eval.Core.Tasks;
using Eval.Core.Results;

namespace Eval.Reporting;

/// <summary>
/// Baseline vs candidate, case by case (matched by model, strategy, length, task and its parameters), on each task's
/// headline figure: it regresses when it moves the wrong way by more than the tolerance (relative for perplexity,
/// absolute for passkey accuracy) and by more than the two figures' 95% sampling noise (<see cref="HeadlineMetric.NoiseMargin"/>);
/// where a figure lacks what its noise is estimated from (stored before squared NLLs were) the tolerance alone decides.
/// A case that completed in the baseline and failed in the candidate always regresses.
/// </summary>
/// <param name="SharedCases">Cases (by model, strategy, length, task and parameters) both runs hold, whatever their status;
/// 0 for runs of different suites, which cannot be compared.</param>
public sealed record RunComparison(RunInfo Baseline, RunInfo Candidate, double Tolerance, IReadOnlyList<MetricChange> Changes, IReadOnlyList<string> NewFailures,
    int SharedCases)
{
    public bool HasRegression => NewFailures.Count > 0 || Changes.Any(c => c.Regressed);

    /// <param name="paired">Judge noise by the paired test of each case's units in both runs (<see cref="SeedRows.Compare"/>: the same
    /// documents, the same passkey trials) instead of as two independent samples; a task without stored units keeps the independent model.</param>
    public static RunComparison Compute(RunInfo baseline, IReadOnlyList<CaseResult> baselineCases, RunInfo candidate, IReadOnlyList<CaseResult> candidateCases, double tolerance,
        bool paired = false)
    {
        static string Key(CaseResult c) => $"{c.Model}|{c.Strategy}|{c.ContextLength}|{c.Task}|{c.TaskParameters}";
        var before = baselineCases.Where(c => c.Status == CaseStatus.Completed).ToDictionary(Key);
        var baselineKeys = baselineCases.Select(Key).ToHashSet();
        int shared = candidateCases.Select(Key).Distinct().Count(baselineKeys.Contains);
        var changes = new List<MetricChange>();
        var newFailures = new List<string>();
        foreach (var after in candidateCases)
        {
            if (!before.TryGetValue(Key(after), out var old)) continue;
            if (after.Status == CaseStatus.Failed) { newFailures.Add($"{after.DisplayName}: {after.Error}"); continue; }
            if (TaskRegistry.HeadlineOf(after.Task) is not { } headline) continue;
            if (old.Metric(headline.Name) is not { } a || after.Metric(headline.Name) is not { } b) continue;
            if (paired && SeedRows.Compare([old], [after]) is { } test)
                changes.Add(new MetricChange(after.Model, after.Strategy, after.ContextLength, after.Task, headline, a.Value, b.Value,
                    PairedMargin(headline, test), PairedVerdict(headline, a.Value, b.Value, tolerance, test), test));
            else
                changes.Add(new MetricChange(after.Model, after.Strategy, after.ContextLength, after.Task, headline, a.Value, b.Value,
                    headline.NoiseMargin(a, b), headline.Judge(a, b, tolerance)));
        }
        return new RunComparison(baseline, candidate, tolerance, changes, newFailures, shared);
    }

    /// <summary>Worse beyond the tolerance is a regression only when the paired 95% interval lies wholly on the worse side of zero.</summary>
    private static ChangeVerdict PairedVerdict(HeadlineMetric headline, double baseline, double candidate, double tolerance, PairedDifference test)
    {
        if (!headline.Regressed(baseline, candidate, tolerance)) return ChangeVerdict.WithinTolerance;
        bool worse = headline.HigherIsBetter ? test.High < 0 : test.Low > 0;
        return worse ? ChangeVerdict.BeyondToleranceAndNoise : ChangeVerdict.WithinNoise;
    }

    /// <summary>The paired interval's half-width, in the units of the change.</summary>
    private static double PairedMargin(HeadlineMetric headline, PairedDifference test)
    {
        var (_, low, high) = SeedRows.AsChange(headline, test);
        return (high - low) / 2;
    }
}
