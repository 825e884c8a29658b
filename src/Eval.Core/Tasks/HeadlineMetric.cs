namespace Eval.Core.Tasks;

/// <summary>
/// The figure a task is judged by and which way is better: comparison, progress lines and the report read it from
/// the task (<see cref="TaskRegistry.HeadlineOf"/>), never from a literal metric name.
/// </summary>
/// <param name="Name">The stored metric's name, e.g. ppl.</param>
/// <param name="HigherIsBetter">False for perplexity, true for accuracy.</param>
/// <param name="RelativeChange">Changes are relative (perplexity: +5% is a 5% rise) rather than absolute (accuracy: -0.05).</param>
public sealed record HeadlineMetric(string Name, bool HigherIsBetter, bool RelativeChange)
{
    /// <summary>Candidate against baseline: relative or absolute, by the metric's kind.</summary>
    public double Change(double baseline, double candidate) => RelativeChange ? candidate / baseline - 1 : candidate - baseline;

    /// <summary>True when the candidate is worse than the baseline by more than <paramref name="tolerance"/>.</summary>
    public bool Regressed(double baseline, double candidate, double tolerance)
    {
        // Written as bounds on the candidate (not on Change) so a change of exactly the tolerance is within it.
        double allowed = RelativeChange ? baseline * tolerance : tolerance;
        return HigherIsBetter ? candidate < baseline - allowed : candidate > baseline + allowed;
    }
}
