using System.Diagnostics;
using Eval.Cli;
using Eval.Cli.Cluster;
using Eval.Core.Runtime;
using Eval.Tests.Cli;

namespace Eval.Tests.Cluster;

/// <summary>
/// Hostile suite names against `eval slurm`: the generated job scripts are executed under bash (the harness replaced by
/// `echo`, which only prints its arguments) and must run nothing the name asks for, keep the name as text, and keep
/// their #SBATCH block whole.
/// </summary>
public class SlurmHostileNameTests
{
    string folder = "";
    string Canary => Path.Combine(folder, "work", "PWNED");

    [SetUp]
    public void CreateFolder()
    {
        folder = Directory.CreateTempSubdirectory("eval-slurm-hostile-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "work"));
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(folder, recursive: true);

    [TestCase("x$(touch PWNED)")]
    [TestCase("x`touch PWNED`")]
    [TestCase("x'; touch PWNED; echo '")]
    [TestCase("x\"; touch PWNED; echo \"")]
    [TestCase("x ${IFS}$(touch${IFS}PWNED) #SBATCH --array=1-99")]
    [TestCase("x\\'$(touch PWNED)\\'")]
    public void Slurm_HostileSuiteName_GeneratedScriptsRunNothingItAsks(string name)
    {
        string suite = WriteSuite(name);
        string db = Path.Combine(folder, "db");
        var (exit, _, error) = CliRunner.Run("slurm", suite, "--shards", "2", "--db-dir", db, "--eval-command", "echo");
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), error);

        string shards = Path.Combine(db, SlurmScripts.ShardsFile), merge = Path.Combine(db, SlurmScripts.MergeFile);
        File.WriteAllText(Path.Combine(db, "shard-1.db"), ""); // the merge job merges the shard databases that exist
        string shardOutput = Bash(shards), mergeOutput = Bash(merge);

        Assert.That(File.Exists(Canary), Is.False, "the suite's name ran a command");
        Assert.That(shardOutput, Does.Contain($"shard 1/2 of {name} on "), "the name is printed as text");
        Assert.That(mergeOutput, Does.Contain("merge ").And.Contain("report ").And.Contain("compare "));
        foreach (string script in new[] { shards, merge }) AssertDirectiveBlockWhole(File.ReadAllText(script));
    }

    [TestCase("two\nlines")]
    [TestCase("esc\u001b[31mred", TestName = "{m}(ESC)")] // VSTest drops a test whose display name holds ESC
    [TestCase("tab\tname")]
    [TestCase("   ")]
    public void Slurm_SuiteNameWithControlCharacters_ExitsTwoNamingTheField(string name)
    {
        string suite = WriteSuite(name);
        var (exit, _, error) = CliRunner.Run("slurm", suite, "--shards", "2", "--db-dir", Path.Combine(folder, "db"));
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(error, Does.Contain($"{suite}:1:").And.Contain("name").And.Contain("control characters"));
        Assert.That(Directory.Exists(Path.Combine(folder, "db")), Is.False, "nothing is written for invalid input");
    }

    [Test]
    public void Slurm_HostileNameWithoutDbDir_WritesIntoASafeDefaultFolder()
    {
        string suite = WriteSuite("nightly $(touch PWNED) run");
        var (exit, output, error) = RunIn(Path.Combine(folder, "work"), "slurm", suite, "--shards", "2");
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), error);
        string expected = Path.Combine(folder, "work", "results", "slurm-nightly___touch_PWNED__run");
        Assert.That(File.Exists(Path.Combine(expected, SlurmScripts.ShardsFile)), output);
        Assert.That(File.ReadAllText(Path.Combine(expected, SlurmScripts.ShardsFile)), Does.Contain("#SBATCH --job-name=eval-nightly___touch_PWNED__run\n"));
    }

    [Test]
    public void Slurm_MoreShardsThanCases_ExitsTwoNamingTheCaseCount()
    {
        string suite = WriteSuite("small");
        var (exit, _, error) = CliRunner.Run("slurm", suite, "--shards", "2147483647", "--db-dir", Path.Combine(folder, "db"));
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(error, Does.Contain("--shards 2147483647 is not valid").And.Contain("has 4 case(s)"));
        Assert.That(CliRunner.Run("slurm", suite, "--shards", "4", "--db-dir", Path.Combine(folder, "db")).Exit, Is.EqualTo(ExitCodes.Ok), "one shard per case is the most");
    }

    [Test]
    public void Slurm_EvalCommandOnSeveralLines_ExitsTwo()
    {
        var (exit, _, error) = CliRunner.Run("slurm", WriteSuite("small"), "--shards", "2", "--db-dir", Path.Combine(folder, "db"), "--eval-command", "dotnet eval.dll\ntouch PWNED");
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(error, Does.Contain("--eval-command \"dotnet eval.dll\\x0atouch PWNED\" is not valid"));
    }

    [Test]
    public void ShellComment_ControlCharacters_AreWrittenAsVisibleEscapes() =>
        Assert.That(ShellText.Comment("a\nb\u001bc\u2028d"), Is.EqualTo("a\\x0ab\\x1bc\\x2028d"));

    /// <summary>The smoke suite's model (by absolute path) under <paramref name="name"/>: 1 model x 2 strategies x 2 lengths x 1 task = 4 cases.</summary>
    string WriteSuite(string name)
    {
        string path = Path.Combine(folder, "hostile.yaml");
        string model = RepositoryPaths.Require("suites/zoo/rope-10k");
        File.WriteAllText(path, $"name: \"{Escape(name)}\"\nmodels:\n  - {{ path: {model} }}\nstrategies: [default, pi:factor=auto]\nlengths: [256, 512]\ntasks: [passkey]\n");
        return path;
    }

    static string Escape(string name) => name.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\u001b", "\\e");

    /// <summary>Runs a generated script as Slurm would (bash, in the work folder, with the array variables set).</summary>
    string Bash(string script)
    {
        var start = new ProcessStartInfo("bash", [script]) { WorkingDirectory = Path.Combine(folder, "work"), RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SLURM_ARRAY_TASK_ID"] = "1";
        start.Environment["SLURM_ARRAY_JOB_ID"] = "7";
        using var bash = Process.Start(start)!;
        string output = bash.StandardOutput.ReadToEnd() + bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        return output;
    }

    /// <summary>Every line between the shebang and the first command is a comment or one `#SBATCH --key=value` word.</summary>
    static void AssertDirectiveBlockWhole(string script)
    {
        var lines = script.Split('\n');
        int setU = Array.IndexOf(lines, "set -u");
        Assert.That(setU, Is.GreaterThan(0), script);
        foreach (string line in lines[1..setU])
            Assert.That(line, Does.Match(@"^(#SBATCH --[a-z-]+=\S+|# .*)$"), script);
        Assert.That(lines.Count(l => l.StartsWith("#SBATCH --job-name=", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(lines.Count(l => l.StartsWith("#SBATCH --array=", StringComparison.Ordinal)), Is.LessThanOrEqualTo(1));
    }

    static (int Exit, string Out, string Err) RunIn(string workingFolder, params string[] args)
    {
        string before = Environment.CurrentDirectory;
        Environment.CurrentDirectory = workingFolder;
        try { return CliRunner.Run(args); }
        finally { Environment.CurrentDirectory = before; }
    }
}
