using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Eval.Cli.Cluster;
using Eval.Core.Suites;

namespace Eval.Cli.Commands;

/// <summary>
/// `eval slurm SUITE --shards N`: writes the Slurm job scripts that run a suite as an array (one shard per task, each
/// into its own database) and the job that merges, reports and compares after it, and submits both with --submit.
/// Slurm does the scheduling; this only writes what it is given.
/// </summary>
public static partial class SlurmCommand
{
    public static Command Create(TextWriter output)
    {
        var suite = new Argument<string>("SUITE") { Description = "Suite file (YAML), e.g. suites/quick.yaml." };
        var shards = new Option<int>("--shards") { Description = "Number of shards = array tasks (at least 1).", Required = true };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition for both jobs (default: the cluster's)." };
        var gpus = new Option<int?>("--gpus-per-task") { Description = "GPUs per shard; above 0 the shards also run with --device cuda." };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "CPU cores per shard (default: the cluster's)." };
        var time = new Option<string?>("--time") { Description = "Time limit per shard, HH:MM:SS or D-HH:MM:SS (default: the partition's)." };
        var dbDir = new Option<string?>("--db-dir") { Description = "Folder for the scripts, shard databases, merged.db, logs/ and report/ (default: results/slurm-SUITENAME)." };
        var evalCommand = new Option<string?>("--eval-command")
        {
            Description = "How a compute node runs the harness (default: dotnet with this eval.dll's absolute path; the folder must be visible there).",
        };
        var submit = new Option<bool>("--submit") { Description = "Submit both jobs with sbatch instead of printing the commands." };
        var command = new Command("slurm", "Write (and with --submit, submit) the Slurm array job that runs a suite in shards, and the job that merges, reports and compares them.")
        {
            suite, shards, partition, gpus, cpus, time, dbDir, evalCommand, submit,
        };
        command.SetAction(parse =>
        {
            var loaded = SuiteArguments.LoadOrThrow(parse.GetValue(suite)!);
            int caseCount = MatrixExpander.Expand(loaded, _ => "").Count;
            var spec = new SlurmJobSpec(
                SuitePath: SafePath(Path.GetFullPath(loaded.Path), "SUITE"),
                SuiteName: loaded.Name,
                Shards: ShardCount(parse.GetValue(shards), caseCount, loaded.Path),
                DatabaseFolder: parse.GetValue(dbDir) is string folder ? SafePath(Path.GetFullPath(folder), "--db-dir")
                    : SafePath(Path.GetFullPath(Path.Combine("results", "slurm-" + ShellText.SafeWord(loaded.Name))), "the default --db-dir"),
                WorkingFolder: SafePath(Environment.CurrentDirectory, "the current folder"),
                EvalCommand: parse.GetValue(evalCommand) is string given ? OneLine(given, "--eval-command") : DefaultEvalCommand,
                Partition: parse.GetValue(partition) is string p ? Word(p, "--partition") : null,
                GpusPerTask: parse.GetValue(gpus) is int g ? AtLeast(g, 0, "--gpus-per-task", "0 for none") : null,
                CpusPerTask: parse.GetValue(cpus) is int c ? AtLeast(c, 1, "--cpus-per-task", "cores per shard") : null,
                Time: parse.GetValue(time) is string t ? SlurmTime(t) : null,
                GeneratedBy: "eval " + string.Join(" ", parse.Tokens.Select(token => CliLine.Quote(token.Value))));

            var (shardsScript, mergeScript) = SlurmScripts.Write(spec);
            output.WriteLine($"wrote {shardsScript} ({spec.Shards} array tasks, databases {SlurmScripts.ShardDatabase(spec.DatabaseFolder, "I")})");
            output.WriteLine($"wrote {mergeScript} (merges into {SlurmScripts.MergedDatabase(spec.DatabaseFolder)}, report in {SlurmScripts.ReportFolder(spec.DatabaseFolder)})");
            if (parse.GetValue(submit))
            {
                var (array, merge) = SbatchSubmitter.Submit(shardsScript, mergeScript);
                output.WriteLine($"submitted array job {array} and merge job {merge} (runs after the array); logs in {SlurmScripts.LogFolder(spec.DatabaseFolder)}");
            }
            else
            {
                output.WriteLine("submit with:");
                foreach (string line in SbatchSubmitter.Commands(shardsScript, mergeScript)) output.WriteLine("  " + line);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>`dotnet /abs/path/eval.dll`: the build this command runs from, so shards run the same harness version.</summary>
    public static string DefaultEvalCommand => "dotnet " + CliLine.Quote(typeof(EvalCli).Assembly.Location);

    private static int AtLeast(int value, int minimum, string option, string meaning) =>
        value >= minimum ? value : throw new InvalidInputException($"{option} {value} is not valid: it must be a whole number of at least {minimum} ({meaning}).");

    /// <summary>
    /// At least one shard, and no more shards than the suite has cases: an array task past the last case would start a
    /// job with nothing to do (and 2147483647 tasks would flood the scheduler).
    /// </summary>
    private static int ShardCount(int shards, int caseCount, string suitePath)
    {
        AtLeast(shards, 1, "--shards", "one Slurm array task per shard");
        return shards <= caseCount ? shards
            : throw new InvalidInputException($"--shards {shards} is not valid: {suitePath} has {caseCount} case(s), so at most {caseCount} shards have work to do.");
    }

    /// <summary>The harness command goes into a shell function on one line: a control character (a newline) would cut it.</summary>
    private static string OneLine(string value, string option) =>
        value.Length > 0 && !value.Any(char.IsControl) ? value
            : throw new InvalidInputException($"{option} \"{ShellText.Comment(value)}\" is not valid: it must be one non-empty line without control characters, e.g. \"dotnet /opt/eval/eval.dll\".");

    private static string Word(string value, string option) =>
        value.Length > 0 && !value.Any(char.IsWhiteSpace) ? value : throw new InvalidInputException($"{option} \"{value}\" is not valid: it must be one word, e.g. gpu.");

    /// <summary>Paths go into #SBATCH lines, where Slurm has no quoting: spaces, quotes and $ are refused, not mangled.</summary>
    private static string SafePath(string path, string from) =>
        SafePathPattern().IsMatch(path) ? path
            : throw new InvalidInputException($"{from} \"{path}\" cannot go into a Slurm job script: #SBATCH lines cannot quote it. Use a path of letters, digits and / . _ - + @ only.");

    private static string SlurmTime(string text)
    {
        var match = SlurmTimePattern().Match(text);
        bool valid = match.Success && int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture) < 60 && int.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture) < 60
                     && (!match.Groups["d"].Success || int.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture) < 24);
        return valid ? text : throw new InvalidInputException($"--time \"{text}\" is not valid. Expected HH:MM:SS or D-HH:MM:SS (minutes and seconds below 60), e.g. 04:00:00 or 2-00:00:00.");
    }

    [GeneratedRegex(@"^(?:(?<d>\d+)-)?(?<h>\d{1,3}):(?<m>\d{2}):(?<s>\d{2})$")]
    private static partial Regex SlurmTimePattern();

    [GeneratedRegex(@"^[A-Za-z0-9/._\-+@]+$")]
    private static partial Regex SafePathPattern();
}
