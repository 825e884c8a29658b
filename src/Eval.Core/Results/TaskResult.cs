namespace Eval.Core.Results;

/// <summary>What one task produced for one case, and how (the protocol text is stored beside every figure).</summary>
public sealed record TaskResult(IReadOnlyList<MetricValue> Metrics, IReadOnlyList<SeriesPoint> Series, long TokensProcessed, string Protocol);
