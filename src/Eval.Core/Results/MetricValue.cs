namespace Eval.Core.Results;

/// <summary>
/// One figure, stored with its parts so any aggregate can be recomputed token-weighted: for perplexity Sum is the
/// summed NLL and Count the scored tokens; for accuracy Sum is the number correct and Count the trials.
/// </summary>
public sealed record MetricValue(string Name, double Sum, long Count, double Value);
