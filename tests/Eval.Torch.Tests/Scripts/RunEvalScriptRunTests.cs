using Eval.Core.Results;
using System.Globalization;
using Eval.Core.Runtime;
using Eval.Storage;
using Eval.Torch.Tests.Fixtures;
using Microsoft.Data.Sqlite;

namespace Eval.Torch.Tests.Scripts;

/// <summary>
/// run-eval.ps1 run for real: the pinned PowerShell 7 (.config/dotnet-tools.json) starts the script on a small zoo suite,
/// from a temporary folder as working directory (so nothing depends on the caller's location), and the tests check
/// exit codes, console output, the database and the report.
/// </summary>
[NonParallelizable]
public class RunEvalScriptRunTests
{
    static readonly string Repository = Path.GetDirectoryName(RepositoryPaths.Require("run-eval.ps1"))!;
    static readonly string Script = Path.Combine(Repository, "run-eval.ps1");

    // The configuration these tests were built in: its eval.dll exists, so the script runs it with -NoBuild.
    static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    const string Suite = """
        name: script-check
        seed: 5
        models:
          - zoo:rope-10k
        strategies: [default, "pi:factor=auto"]
        lengths: [256, 512]
        tasks:
          - perplexity: { protocol: chunks, documents: 4, windows: 8 }
          - passkey: { depths: [0.5], trials: 1 }
        """;

    string folder = "";

    [OneTimeSetUp]
    public void RestorePowerShell()
    {
        var (exit, output) = Start("dotnet", Repository, "tool", "restore");
        Assert.That(exit, Is.EqualTo(0), $"dotnet tool restore (PowerShell 7.6.10 from .config/dotnet-tools.json) failed:\n{output}");
    }

    [SetUp]
    public void CreateFolder()
    {
        folder = Path.Combine(Path.GetTempPath(), "eval-script-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "suite.yaml"), Suite);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void Run_SmallSuite_BuildsRunsStoresReportsAndStreamsProgress()
    {
        var (exit, output) = RunScript("-Suite", "suite.yaml", "-Database", "eval.db", "-ReportFolder", "report", "-Configuration", Configuration, "-Verbose");

        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Building the harness"));
        Assert.That(output, Does.Contain("[1/8] rope-10k | default | 256").And.Contain("[8/8]"), "the CLI's progress reaches the console");
        Assert.That(output, Does.Contain("8 computed, 0 reused, 0 failed"));
        Assert.That(output, Does.Match(@"VERBOSE: dotnet \S+eval\.dll run \S+suite\.yaml --db \S+eval\.db"), "-Verbose shows the CLI command lines");
        Assert.That(Runs("eval.db"), Has.Count.EqualTo(1), "relative paths are the caller's: the database is in the working folder");
        Assert.That(File.Exists(Path.Combine(folder, "report", "report.html")), Is.True, output);
    }

    [Test]
    public void Run_InvalidSuite_ExitsTwoWithTheValidatorsMessageAndStoresNothing()
    {
        File.WriteAllText(Path.Combine(folder, "suite.yaml"), Suite.Replace("\"pi:factor=auto\"", "yarnn"));

        var (exit, output) = RunScript("-Suite", "suite.yaml", "-Database", "eval.db", "-NoBuild", "-Configuration", Configuration);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("suite.yaml:5:").And.Contain("Unknown strategy \"yarnn\"").And.Contain("Did you mean \"yarn\""));
        Assert.That(output, Does.Contain("nothing was run"), "the script's own error names what it did not do");
        Assert.That(File.Exists(Path.Combine(folder, "eval.db")), Is.False, "no database is created for an invalid suite");
    }

    [Test]
    public void SecondRun_WorseThanTheStoredBaseline_ExitsThreeAndTheReportHoldsTheComparison()
    {
        Assert.That(RunQuick().Exit, Is.EqualTo(0));
        // The stored baseline perplexity made 20% lower, so the recomputed figure of the next run is 20% worse than it. The
        // suite scores 4 x 8 windows (about 8k tokens a case; one window of 255 tokens had a noise of 75% on this model), so
        // 20% is beyond both the 5% tolerance and the two figures' sampling noise (measured: 10.2% at 256, 6.9% at 512).
        string baselineRun = Runs("eval.db").Single().Id;
        ScaleStoredPerplexity("eval.db", baselineRun, 1 / 1.2);

        var (exit, output) = RunQuick("-Force");

        Assert.That(exit, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain("REGRESSION").And.Contain("+20.0%").And.Contain("beyond tolerance and noise").And.Contain("regression found"));
        string report = File.ReadAllText(Path.Combine(folder, "report", "report.html"));
        Assert.That(report, Does.Contain($"Comparison with run {baselineRun}").And.Contain("regressions found").And.Contain("+20.0%"));
    }

    [Test]
    public void ReportOnly_AfterARun_WritesTheReportWithoutRunning()
    {
        Assert.That(RunQuick().Exit, Is.EqualTo(0));
        Directory.Delete(Path.Combine(folder, "report"), recursive: true);

        var (exit, output) = RunQuick("-ReportOnly");

        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Not.Contain("computed"), "no run");
        Assert.That(Runs("eval.db"), Has.Count.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(folder, "report", "report.html")), Is.True, output);
    }

    [Test]
    public void Shards_MergedWithEvalMerge_HoldTheFiguresOfAnUnshardedRun()
    {
        Assert.That(RunQuick().Exit, Is.EqualTo(0));
        Assert.That(RunQuick("-Shard", "1/2", "-Database", "shard1.db", "-Baseline", "none").Exit, Is.EqualTo(0));
        Assert.That(RunQuick("-Shard", "2/2", "-Database", "shard2.db", "-Baseline", "none").Exit, Is.EqualTo(0));
        var (mergeExit, mergeOut, mergeErr) = global::Eval.Tests.Cli.CliRunner.Run("merge", Path.Combine(folder, "merged.db"),
            Path.Combine(folder, "shard1.db"), Path.Combine(folder, "shard2.db"));
        Assert.That(mergeExit, Is.EqualTo(0), mergeOut + mergeErr);

        Assert.That(Figures("shard1.db"), Is.Not.Empty.And.Count.LessThan(Figures("eval.db").Count), "each shard is a real part");
        Assert.That(Figures("merged.db"), Is.EquivalentTo(Figures("eval.db")));
    }

    [Test]
    public void Run_OneModelFailsToLoad_ExitsOneAndStillWritesTheReport()
    {
        // A copy of a zoo model whose weights file is cut short: its cases fail with the reason, the others run.
        string broken = Path.Combine(folder, "broken-model");
        Directory.CreateDirectory(broken);
        foreach (string file in Directory.GetFiles(RepositoryPaths.Require("suites/zoo/rope-10k")))
            File.Copy(file, Path.Combine(broken, Path.GetFileName(file)));
        using (var weights = File.Open(Path.Combine(broken, "model.safetensors"), FileMode.Open)) weights.SetLength(weights.Length / 2);
        File.WriteAllText(Path.Combine(folder, "suite.yaml"), Suite.Replace("  - zoo:rope-10k", "  - zoo:rope-10k\n  - broken-model"));

        var (exit, output) = RunQuick();

        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("8 failed"));
        Assert.That(File.Exists(Path.Combine(folder, "report", "report.html")), Is.True, output);
    }

    // The probe's item: -Tolerance NaN or -1 was refused only by eval compare, after the whole suite had run.
    [TestCase("NaN")]
    [TestCase("-1")]
    public void Run_InvalidTolerance_ExitsTwoBeforeRunningAnything(string tolerance)
    {
        var (exit, output) = RunQuick("-Tolerance", tolerance);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("-Tolerance").And.Contain("must be a number >= 0").And.Contain("nothing was run"));
        Assert.That(output, Does.Not.Contain("[1/8]"), "no case ran");
        Assert.That(File.Exists(Path.Combine(folder, "eval.db")), Is.False, "no database is created");
    }

    [Test]
    public void GetHelpFull_ShowsTheSynopsisEveryParameterAndTheExamples()
    {
        var (exit, output) = Start("dotnet", Repository, "tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-Command",
            $"Get-Help '{Script}' -Full | Out-String -Width 200");

        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Runs an extrapolation evaluation suite end to end"));
        foreach (string parameter in new[] { "Suite", "Database", "ReportFolder", "Device", "Shard", "Force", "ReportOnly", "Baseline", "Tolerance", "NoBuild", "Configuration" })
            Assert.That(output, Does.Contain($"-{parameter}"), parameter);
        Assert.That(output, Does.Contain("-------------------------- EXAMPLE 5 --------------------------"));
    }

    (int Exit, string Output) RunQuick(params string[] extra)
    {
        var arguments = new List<string> { "-Suite", "suite.yaml", "-ReportFolder", "report", "-NoBuild", "-Configuration", Configuration };
        if (!extra.Contains("-Database")) arguments.AddRange(["-Database", "eval.db"]);
        arguments.AddRange(extra);
        return RunScript([.. arguments]);
    }

    (int Exit, string Output) RunScript(params string[] arguments) =>
        Start("dotnet", Repository, ["tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-WorkingDirectory", folder, "-File", Script, .. arguments]);

    static (int Exit, string Output) Start(string program, string workingDirectory, params string[] arguments)
    {
        var (exit, output, error) = ChildProcess.Run(program, workingDirectory, arguments, new Dictionary<string, string> { ["NO_COLOR"] = "1" }, TimeSpan.FromMinutes(5));
        return (exit, output + error);
    }

    IReadOnlyList<RunInfo> Runs(string database)
    {
        using var store = ResultStore.Open(Path.Combine(folder, database));
        return store.ListRuns();
    }

    /// <summary>Every completed figure of a database's cases, as (case hash, metric, value) lines.</summary>
    List<string> Figures(string database)
    {
        using var store = ResultStore.Open(Path.Combine(folder, database));
        return store.ListRuns().SelectMany(r => store.LoadCases(r.Id)).Where(c => c.Status == CaseStatus.Completed)
            .SelectMany(c => c.Metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{c.CaseHash} {m.Name} {m.Sum:R} {m.Count}")))
            .Distinct().ToList();
    }

    void ScaleStoredPerplexity(string database, string runId, double ratio)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, database)};Pooling=False");
        connection.Open();
        using var update = connection.CreateCommand();
        // ppl = exp(sum / count): scaling it by r lowers the NLL sum by count * ln r; the nll rows follow. As if every token's
        // NLL were ln r lower, the squared sum follows too (sum (x + c)^2 = sum x^2 + 2 c sum x + N c^2, from the old sum), so the
        // baseline's spread, and with it the noise, is the one it had.
        update.CommandText = """
            UPDATE metrics SET sum_squares = sum_squares + 2 * $lnr * sum + count * $lnr * $lnr, sum = sum + count * $lnr, value = value * $r
                WHERE name = 'ppl' AND case_id IN (SELECT id FROM cases WHERE run_id = $run);
            UPDATE metrics SET sum_squares = sum_squares + 2 * $lnr * sum + count * $lnr * $lnr, sum = sum + count * $lnr, value = value + $lnr
                WHERE name = 'nll' AND case_id IN (SELECT id FROM cases WHERE run_id = $run);
            """;
        update.Parameters.AddWithValue("$r", ratio);
        update.Parameters.AddWithValue("$lnr", Math.Log(ratio));
        update.Parameters.AddWithValue("$run", runId);
        Assert.That(update.ExecuteNonQuery(), Is.GreaterThan(0));
    }
}
