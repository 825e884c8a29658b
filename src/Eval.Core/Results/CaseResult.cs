namespace Eval.Core.Results;

/// <summary>A finished case: its identity, outcome, timings, and every figure it produced.</summary>
public sealed record CaseResult(
    string CaseHash,
    string DisplayName,
    string Model,
    string ModelFingerprint,
    string Strategy,
    int ContextLength,
    int TrainedLength,
    string Task,
    string TaskParameters,
    int Seed,
    CaseStatus Status,
    string? Error,
    DateTime StartedAt,
    DateTime EndedAt,
    double Seconds,
    double TokensPerSecond,
    long PeakMemoryBytes,
    string? Protocol,
    IReadOnlyList<MetricValue> Metrics,
    IReadOnlyList<SeriesPoint> Series,
    string? ReusedFromRun = null)
{
    public MetricValue? Metric(string name) => Metrics.FirstOrDefault(m => m.Name == name);
}

/// <summary>
/// How a case ended. <see cref="NotApplicable"/>: the case cannot be computed by definition (a learned position table
/// has no row for its length); its Error holds the reason. Neither a failure nor a figure.
/// </summary>
public enum CaseStatus { Completed, Failed, NotApplicable }
