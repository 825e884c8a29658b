using System.CommandLine;
using System.Text.RegularExpressions;
using Eval.Cli;
using Eval.Cli.Cluster;
using Eval.Core.Runtime;
using Eval.Core.Suites;
using Eval.Tests.Cli;

namespace Eval.Tests.Cluster;

/// <summary>`eval slurm`: the scripts it writes call the real CLI, and bad options exit 2 naming the value.</summary>
public class SlurmCommandTests
{
    string folder = "";
    static string Smoke => RepositoryPaths.Require("suites/smoke.yaml");

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("eval-slurm-cmd-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void Slurm_ThreeShards_WritesAnArrayOfThreeWhoseEvalLinesParseWithTheRealCli()
    {
        var (exit, output, error) = CliRunner.Run("slurm", Smoke, "--shards", "3", "--partition", "gpu", "--gpus-per-task", "1", "--time", "1-04:00:00", "--db-dir", folder);
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), error);
        string shards = File.ReadAllText(Path.Combine(folder, "shards.sbatch"));
        string merge = File.ReadAllText(Path.Combine(folder, "merge.sbatch"));
        Assert.That(shards, Does.Contain("#SBATCH --array=1-3\n").And.Contain("#SBATCH --partition=gpu\n").And.Contain("#SBATCH --gpus-per-task=1\n")
            .And.Contain("#SBATCH --time=1-04:00:00\n").And.Contain($"#SBATCH --output={folder}/logs/shard-%a-job%A.log\n"));
        Assert.That(Directory.Exists(Path.Combine(folder, "logs")), "Slurm does not create the log folder itself");

        var root = EvalCli.BuildRoot(TextWriter.Null, TextWriter.Null);
        for (int task = 1; task <= 3; task++)
        {
            var run = HarnessLines(shards, task).Single();
            Assert.That(root.Parse(run).Errors, Is.Empty, string.Join(" ", run));
            Assert.That(run, Is.EqualTo(new[] { "run", Path.GetFullPath(Smoke), "--shard", $"{task}/3", "--db", $"{folder}/shard-{task}.db", "--quiet", "--device", "cuda" }));
            Assert.That(ShardSpec.Parse(run[3]), Is.EqualTo(new ShardSpec(task, 3)), "array task ids and shards are both 1-based");
        }
        var mergeLines = HarnessLines(merge, 1);
        Assert.That(mergeLines.Select(l => l[0]), Is.EqualTo(new[] { "merge", "report", "compare" }));
        foreach (var line in mergeLines) Assert.That(root.Parse(line).Errors, Is.Empty, string.Join(" ", line));
        Assert.That(mergeLines[0], Does.Contain("--suite").And.Contain($"{folder}/merged.db"));
        Assert.That(output, Does.Contain($"jobid=$(sbatch --parsable {folder}/shards.sbatch)").And.Contain($"sbatch --dependency=afterany:$jobid {folder}/merge.sbatch"));
    }

    [Test]
    public void Slurm_NoGpus_RunsShardsOnTheSuitesDevice()
    {
        var (exit, _, error) = CliRunner.Run("slurm", Smoke, "--shards", "2", "--db-dir", folder);
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), error);
        string shards = File.ReadAllText(Path.Combine(folder, "shards.sbatch"));
        Assert.That(shards, Does.Not.Contain("--device").And.Not.Contain("--gpus-per-task").And.Not.Contain("--partition"));
        Assert.That(shards, Does.Contain($"harness() {{ {Eval.Cli.Commands.SlurmCommand.DefaultEvalCommand} \"$@\"; }}"));
    }

    [TestCase("--shards", "0", "--shards 0 is not valid")]
    [TestCase("--shards", "-2", "--shards -2 is not valid")]
    [TestCase("--time", "90", "--time \"90\" is not valid. Expected HH:MM:SS")]
    [TestCase("--time", "01:75:00", "--time \"01:75:00\" is not valid")]
    [TestCase("--gpus-per-task", "-1", "--gpus-per-task -1 is not valid")]
    [TestCase("--cpus-per-task", "0", "--cpus-per-task 0 is not valid")]
    [TestCase("--partition", "two words", "--partition \"two words\" is not valid")]
    [TestCase("--db-dir", "/tmp/has space", "--db-dir \"/tmp/has space\" cannot go into a Slurm job script")]
    public void Slurm_InvalidOption_ExitsTwoNamingTheValue(string option, string value, string message)
    {
        var options = new Dictionary<string, string> { ["--db-dir"] = folder, ["--shards"] = "2", [option] = value };
        var (exit, _, error) = CliRunner.Run(["slurm", Smoke, .. options.SelectMany(o => new[] { o.Key, o.Value })]);
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(error, Does.Contain(message));
        Assert.That(File.Exists(Path.Combine(options["--db-dir"], "shards.sbatch")), Is.False, "nothing is written for invalid input");
    }

    [Test]
    public void CliLine_OptionTheCommandLacks_ThrowsNamingIt()
    {
        var thrown = Assert.Throws<InvalidOperationException>(() => CliLine.For("run").Option("--shards", "2"));
        Assert.That(thrown!.Message, Does.Contain("\"--shards\"").And.Contain("--shard"));
        Assert.Throws<InvalidOperationException>(() => CliLine.For("runn"));
    }

    /// <summary>
    /// The arguments of each `harness ...` line of a job script, as bash would pass them, with the Slurm task id and
    /// the shard inputs filled in. Enough of bash for what the templates use: single and double quotes, $ expansions.
    /// </summary>
    static List<string[]> HarnessLines(string script, int task) =>
        script.Split('\n').Where(l => l.StartsWith("harness ", StringComparison.Ordinal))
            .Select(l => Words(l["harness ".Length..].Replace("${SLURM_ARRAY_TASK_ID}", task.ToString(), StringComparison.Ordinal)
                .Replace("\"${inputs[@]}\"", "shard-1.db shard-2.db", StringComparison.Ordinal)))
            .ToList();

    static string[] Words(string line) =>
        Regex.Matches(line, "'([^']*)'|\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value).ToArray();
}
