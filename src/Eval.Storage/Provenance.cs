namespace Eval.Storage;

/// <summary>Where and with what a run's figures were produced, stored with the run.</summary>
public sealed record Provenance(string HarnessVersion, string? GitCommit, string Machine, string OperatingSystem, string Cpu, string? Gpu,
    string TorchSharpVersion, string LibTorchVersion, string Device, string? DType, string? Shard, string CommandLine);
