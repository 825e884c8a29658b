namespace Eval.Torch.Bench;

/// <summary>One measured (length, strategy) point: medians over the repeats.</summary>
public sealed record BenchRow(int Length, string Strategy, int Windows, double Seconds, double TokensPerSecond, double FlopsPerSecond,
    double Utilisation, long PeakMemoryBytes);
