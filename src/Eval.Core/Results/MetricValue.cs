namespace Eval.Core.Results;

/// <summary>
/// One figure, stored with its parts so any aggregate can be recomputed token-weighted: for perplexity Sum is the
/// summed NLL and Count the scored tokens; for accuracy Sum is the number correct and Count the trials.
/// <paramref name="SumOfSquares"/> is, for figures that are means of per-token values (nll, ppl), the sum of the squared
/// token NLLs, from which the figure's standard error follows (<see cref="Uncertainty"/>); null where it was not recorded
/// (figures stored before it was, and figures that are not such means).
/// </summary>
public sealed record MetricValue(string Name, double Sum, long Count, double Value, double? SumOfSquares = null);
