using Eval.Core.Tasks;
using Eval.Core.Results;

namespace Eval.Reporting;

/// <summary>
/// YaRN-style "effective context" per strategy: the longest length where perplexity stays within 10% of its value at
/// the training length, and the longest length with passkey accuracy of at least 80%.
/// </summary>
public static class EffectiveContext
{
    public const double PerplexityTolerance = 0.10;
    public const double PasskeyThreshold = 0.80;

    /// <summary>Longest length L (scanning upward, stopping at the first failure) with ppl(L) &lt;= 1.1 ppl(L0); null without a figure at L0.</summary>
    public static int? Perplexity(IEnumerable<CaseResult> perplexityCases, int trainedLength)
    {
        var byLength = perplexityCases.Where(c => c.Metric(PerplexityTask.Perplexity.Name) is not null).OrderBy(c => c.ContextLength).ToList();
        var reference = byLength.FirstOrDefault(c => c.ContextLength == trainedLength)?.Metric(PerplexityTask.Perplexity.Name)!.Value;
        if (reference is null) return null;
        int? longest = null;
        foreach (var c in byLength.Where(c => c.ContextLength >= trainedLength))
        {
            if (c.Metric(PerplexityTask.Perplexity.Name)!.Value > reference * (1 + PerplexityTolerance)) break;
            longest = c.ContextLength;
        }
        return longest;
    }

    /// <summary>Longest length (scanning upward, stopping at the first failure) with accuracy >= 80%; null if even the shortest misses.</summary>
    public static int? Passkey(IEnumerable<CaseResult> passkeyCases)
    {
        int? longest = null;
        foreach (var c in passkeyCases.Where(c => c.Metric(PasskeyTask.Accuracy.Name) is not null).OrderBy(c => c.ContextLength))
        {
            if (c.Metric(PasskeyTask.Accuracy.Name)!.Value < PasskeyThreshold) break;
            longest = c.ContextLength;
        }
        return longest;
    }
}
