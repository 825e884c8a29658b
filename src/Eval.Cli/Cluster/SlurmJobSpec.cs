namespace Eval.Cli.Cluster;

/// <summary>
/// What `eval slurm` was asked for, validated and with absolute paths (job scripts run on other machines, from another
/// folder). Null options are left to the cluster's defaults.
/// </summary>
public sealed record SlurmJobSpec(
    string SuitePath,
    string SuiteName,
    int Shards,
    string DatabaseFolder,
    string WorkingFolder,
    string EvalCommand,
    string? Partition,
    int? GpusPerTask,
    int? CpusPerTask,
    string? Time,
    string GeneratedBy);
