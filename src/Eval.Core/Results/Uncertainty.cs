namespace Eval.Core.Results;

/// <summary>
/// How far a stored figure could move had other tokens or trials of the same kind been drawn. Perplexity follows
/// llama.cpp's perplexity tool: the mean token NLL mu has standard error sqrt((mean(nll^2) - mu^2) / (N - 1)), and
/// ppl = exp(mu) has ppl * s.e.(mu). Accuracy gets the Wilson score interval of a binomial proportion.
/// </summary>
public static class Uncertainty
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Standard error of a figure's mean per-item value; null when its sum of squares was not recorded or it has under 2 items.</summary>
    public static double? StandardErrorOfMean(MetricValue metric) => StandardErrorOfMean(metric.Sum, metric.SumOfSquares, metric.Count);

    /// <summary>sqrt((mean(x^2) - mean(x)^2) / (N - 1)), as llama.cpp's perplexity; a variance rounded below zero counts as zero.</summary>
    public static double? StandardErrorOfMean(double sum, double? sumOfSquares, long count)
    {
        if (sumOfSquares is not double squares || count < 2 || !double.IsFinite(sum) || !double.IsFinite(squares)) return null;
        double mean = sum / count;
        double variance = squares / count - mean * mean;
        return Math.Sqrt(Math.Max(0, variance) / (count - 1));
    }

    /// <summary>Standard error of a perplexity figure, ppl * s.e.(mean NLL); null when not recorded.</summary>
    public static double? PerplexityStandardError(MetricValue perplexity) => StandardErrorOfMean(perplexity) * perplexity.Value;

    /// <summary>Wilson's score interval for <paramref name="successes"/> of <paramref name="trials"/> (95% by default); (0, 1) without trials.</summary>
    public static (double Low, double High) Wilson(double successes, long trials, double z = Z95)
    {
        if (trials <= 0) return (0, 1);
        double n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
