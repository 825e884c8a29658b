namespace Eval.Core.Results;

/// <summary>
/// Where and with what a run's figures were produced, stored with the run. <paramref name="Threads"/> is libtorch's CPU
/// thread count, which can change figures in their last bits; null for runs stored before it was recorded.
/// </summary>
public sealed record Provenance(string HarnessVersion, string? GitCommit, string Machine, string OperatingSystem, string Cpu, string? Gpu,
    string TorchSharpVersion, string LibTorchVersion, string Device, string? DType, string? Shard, string CommandLine, int? Threads = null);
