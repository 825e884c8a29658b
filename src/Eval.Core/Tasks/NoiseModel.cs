namespace Eval.Core.Tasks;

/// <summary>How a headline figure's sampling noise is estimated from what is stored with it.</summary>
public enum NoiseModel
{
    /// <summary>No estimate: changes are judged by the tolerance alone.</summary>
    None,

    /// <summary>A mean of per-token NLLs (perplexity = exp of it): its standard error from (sum, sum of squares, count).</summary>
    MeanTokenNll,

    /// <summary>A share of independent trials (accuracy = correct / trials): Wilson score intervals, joined by Newcombe's method.</summary>
    Binomial,
}
