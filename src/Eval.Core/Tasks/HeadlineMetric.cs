using Eval.Core.Results;

namespace Eval.Core.Tasks;

/// <summary>
/// The figure a task is judged by and which way is better: comparison, progress lines and the report read it from
/// the task (<see cref="TaskRegistry.HeadlineOf"/>), never from a literal metric name.
/// </summary>
/// <param name="Name">The stored metric's name, e.g. ppl.</param>
/// <param name="HigherIsBetter">False for perplexity, true for accuracy.</param>
/// <param name="RelativeChange">Changes are relative (perplexity: +5% is a 5% rise) rather than absolute (accuracy: -0.05).</param>
/// <param name="Noise">How the figure's sampling noise is estimated (<see cref="NoiseMargin"/>).</param>
public sealed record HeadlineMetric(string Name, bool HigherIsBetter, bool RelativeChange, NoiseModel Noise = NoiseModel.None)
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

    /// <summary>
    /// How far the candidate may lie on the worse side of the baseline from sampling alone, at 95%, in the units of
    /// <see cref="Change"/>; null when a figure lacks what the estimate needs. The two figures are taken as independent
    /// samples (see README, "Comparing runs"): mean token NLL by the normal approximation, exp(1.96 sqrt(se_a^2 + se_b^2)) - 1
    /// as a relative change of perplexity; accuracy by Newcombe's hybrid score interval of a difference of proportions,
    /// built from each figure's Wilson interval.
    /// </summary>
    public double? NoiseMargin(MetricValue baseline, MetricValue candidate)
    {
        switch (Noise)
        {
            case NoiseModel.MeanTokenNll:
                if (Uncertainty.StandardErrorOfMean(baseline) is not double a || Uncertainty.StandardErrorOfMean(candidate) is not double b) return null;
                double margin = Uncertainty.Z95 * Math.Sqrt(a * a + b * b); // on the mean NLL, i.e. on log perplexity
                return RelativeChange ? Math.Exp(margin) - 1 : margin;
            case NoiseModel.Binomial:
                if (baseline.Count <= 0 || candidate.Count <= 0) return null;
                double p1 = baseline.Sum / baseline.Count, p2 = candidate.Sum / candidate.Count;
                var (l1, u1) = Uncertainty.Wilson(baseline.Sum, baseline.Count);
                var (l2, u2) = Uncertainty.Wilson(candidate.Sum, candidate.Count);
                // Newcombe (1998), method 10: a drop is judged by the baseline's lower and the candidate's upper distance.
                return HigherIsBetter ? Math.Sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2)) : Math.Sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
            default:
                return null;
        }
    }

    /// <summary>A regression only when the candidate is worse by more than the tolerance and by more than the noise.</summary>
    public ChangeVerdict Judge(MetricValue baseline, MetricValue candidate, double tolerance)
    {
        if (!Regressed(baseline.Value, candidate.Value, tolerance)) return ChangeVerdict.WithinTolerance;
        if (NoiseMargin(baseline, candidate) is not double noise) return ChangeVerdict.BeyondToleranceNoiseNotRecorded;
        double change = Change(baseline.Value, candidate.Value);
        double worse = HigherIsBetter ? -change : change;
        return worse > noise ? ChangeVerdict.BeyondToleranceAndNoise : ChangeVerdict.WithinNoise;
    }
}
