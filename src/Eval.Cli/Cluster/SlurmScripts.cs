using System.Reflection;

namespace Eval.Cli.Cluster;

/// <summary>
/// Renders the two Slurm job scripts of a sharded suite from the templates beside this file (shards.sbatch: an array
/// with one task per shard; merge.sbatch: the job that runs after the array) and writes them into the database folder.
/// Every `eval` line in them is a <see cref="CliLine"/>, checked against the real command tree.
/// </summary>
public static class SlurmScripts
{
    public const string ShardsFile = "shards.sbatch";
    public const string MergeFile = "merge.sbatch";

    /// <summary>Shard databases are named by their 1-based shard number, as in `--shard i/n`.</summary>
    public static string ShardDatabase(string folder, string shard) => $"{folder}/shard-{shard}.db";

    public static string MergedDatabase(string folder) => $"{folder}/merged.db";

    public static string LogFolder(string folder) => $"{folder}/logs";

    public static string ReportFolder(string folder) => $"{folder}/report";

    public static string RenderShards(SlurmJobSpec spec)
    {
        var run = CliLine.For("run").Argument(spec.SuitePath)
            .OptionExpanded("--shard", $"${{SLURM_ARRAY_TASK_ID}}/{spec.Shards}")
            .OptionExpanded("--db", ShardDatabase(spec.DatabaseFolder, "${SLURM_ARRAY_TASK_ID}"))
            .Flag("--quiet");
        if (spec.GpusPerTask > 0) run.Option("--device", "cuda");
        var directives = new List<string>
        {
            $"--job-name={JobName(spec)}",
            $"--array=1-{spec.Shards}",
            $"--output={LogFolder(spec.DatabaseFolder)}/shard-%a-job%A.log",
        };
        directives.AddRange(Common(spec));
        if (spec.GpusPerTask is int gpus) directives.Add($"--gpus-per-task={gpus}");
        if (spec.CpusPerTask is int cpus) directives.Add($"--cpus-per-task={cpus}");
        if (spec.Time is string time) directives.Add($"--time={time}");
        return Fill(ShardsFile, spec, directives, ("RUN_SHARD", run.ToString()));
    }

    public static string RenderMerge(SlurmJobSpec spec)
    {
        string merged = MergedDatabase(spec.DatabaseFolder);
        var directives = new List<string> { $"--job-name={JobName(spec)}-merge", $"--output={LogFolder(spec.DatabaseFolder)}/merge-job%j.log" };
        directives.AddRange(Common(spec));
        return Fill(MergeFile, spec, directives,
            ("MERGE", CliLine.For("merge").Argument(merged).Shell("\"${inputs[@]}\"").Option("--suite", spec.SuitePath).ToString()),
            ("REPORT", CliLine.For("report").Option("--db", merged).Option("--out", ReportFolder(spec.DatabaseFolder)).ToString()),
            ("COMPARE", CliLine.For("compare").Option("--db", merged).ToString()));
    }

    /// <summary>Writes both scripts (and the log folder Slurm writes into, which it does not create) and returns their paths.</summary>
    public static (string Shards, string Merge) Write(SlurmJobSpec spec)
    {
        Directory.CreateDirectory(LogFolder(spec.DatabaseFolder));
        string shards = Path.Combine(spec.DatabaseFolder, ShardsFile), merge = Path.Combine(spec.DatabaseFolder, MergeFile);
        File.WriteAllText(shards, RenderShards(spec));
        File.WriteAllText(merge, RenderMerge(spec));
        return (shards, merge);
    }

    /// <summary>
    /// The job name in #SBATCH lines, which Slurm reads without a shell and cannot quote: the suite name with anything
    /// but letters, digits and . _ - replaced by _, so a hostile name can neither cut the directive block nor smuggle
    /// in another directive.
    /// </summary>
    public static string JobName(SlurmJobSpec spec) => "eval-" + ShellText.SafeWord(spec.SuiteName);

    private static IEnumerable<string> Common(SlurmJobSpec spec)
    {
        yield return $"--chdir={spec.WorkingFolder}";
        if (spec.Partition is string partition) yield return $"--partition={partition}";
    }

    private static string Fill(string template, SlurmJobSpec spec, List<string> directives, params (string Key, string Value)[] lines)
    {
        string text = Template(template)
            .Replace("{{DIRECTIVES}}", string.Join("\n", directives.Select(d => "#SBATCH " + d)), StringComparison.Ordinal)
            .Replace("{{EVAL_COMMAND}}", spec.EvalCommand, StringComparison.Ordinal)
            .Replace("{{GENERATED_BY}}", ShellText.Comment(spec.GeneratedBy), StringComparison.Ordinal)
            .Replace("{{SUITE_NAME_WORD}}", CliLine.Quote(spec.SuiteName), StringComparison.Ordinal)
            .Replace("{{SUITE_NAME}}", ShellText.Comment(spec.SuiteName), StringComparison.Ordinal)
            .Replace("{{SHARDS}}", spec.Shards.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{DB_DIR}}", CliLine.Quote(spec.DatabaseFolder), StringComparison.Ordinal);
        foreach (var (key, value) in lines) text = text.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        return text;
    }

    private static string Template(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Eval.Cli.Cluster." + name)
            ?? throw new InvalidOperationException($"the {name} template is not embedded in eval.dll");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
