using Eval.Tests.Fakes;
using Microsoft.Data.Sqlite;

namespace Eval.Tests.Cli;

public class RunsCommandTests
{
    string folder = "";
    string Db => Path.Combine(folder, "eval.db");

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("runs-command-").FullName;
    [TearDown] public void Remove() { SqliteConnection.ClearAllPools(); Directory.Delete(folder, recursive: true); }

    [Test]
    public void Show_Run_PrintsPerplexityPlusMinusItsErrorAndAccuracyWithItsInterval()
    {
        // 400 tokens with mean NLL 2 and s.d. 1: s.e.(mu) = sqrt(1 / 399), ppl s.e. = e^2 s.e.(mu) = 0.370.
        string run = StoredCases.StoreRun(Db, "s",
            StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0),
            StoredCases.Perplexity("zoo:m", "yarn:factor=2", 512, 2.0, 400, null),
            StoredCases.Passkey("zoo:m", "default", 256, 4, 5));
        var (exit, output, error) = CliRunner.Run("show", run, "--db", Db);
        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("ppl 7.389 +/- 0.370"));
        Assert.That(output, Does.Contain("ppl 7.389 (error not recorded)"), "a figure stored before squared NLLs were");
        Assert.That(output, Does.Contain("accuracy 80% (4/5, 95% CI 38-96%)"));
    }

    [Test]
    public void Runs_SuiteNameWithEscapeCodesAndAKilledRun_PrintsThemEscapedAndTheRunAbandoned()
    {
        string run = StoredCases.StoreRun(Db, "evil\u001b[2J\u001b]0;pwned\u0007", StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0));
        using (var raw = new SqliteConnection($"Data Source={Db};Pooling=false"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = $"UPDATE runs SET status = 'Running', owner = '{Environment.MachineName}:{int.MaxValue}@1' WHERE id = '{run}'";
            command.ExecuteNonQuery();
        }
        var (exit, output, error) = CliRunner.Run("runs", "--db", Db);
        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(output, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(output, Does.Contain("evil\\x1b[2J"));
        Assert.That(output, Does.Contain("Abandoned"));
    }

    [Test]
    public void Merge_InputRunStillRunning_ExitsZeroAndSaysWhichProcessRunsIt()
    {
        string input = Path.Combine(folder, "shard.db"), merged = Path.Combine(folder, "merged.db");
        string run;
        using (var store = Eval.Storage.ResultStore.Open(input))
        {
            run = store.BeginRun("s", "s.yaml", "", StoredCases.Provenance).Id; // this test process is the live `eval run`
            store.SaveCase(run, StoredCases.Perplexity("zoo:m", "default", 256, 2.0, 400, 1.0));
        }
        var (exit, output, error) = CliRunner.Run("merge", merged, input);
        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain($"note: run {run} in {input} is still running (pid {Environment.ProcessId} on host {Environment.MachineName})")
            .And.Contain("merge again after it ends"));
        Assert.That(CliRunner.Run("runs", "--db", merged).Out, Does.Contain("Running"));
    }

    [Test]
    public void Show_ModelAndStrategyWithEscapeCodesAndNewlines_PrintsThemEscapedOneRowPerCase()
    {
        string run = StoredCases.StoreRun(Db, "s\u001b[2J",
            StoredCases.Perplexity("/models/evil\u001b]0;pwned\u0007\nINJECTED", "default\u001b[31m", 256, 2.0, 400, 1.0));
        var (exit, output, error) = CliRunner.Run("show", run, "--db", Db);
        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(output, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(output, Does.Contain("/models/evil\\x1b]0;pwned\\x07\\nINJECTED").And.Contain("default\\x1b[31m").And.Contain("suite s\\x1b[2J"));
        Assert.That(output.Split('\n').Where(l => l.StartsWith("INJECTED")), Is.Empty, "a name cannot start a line of its own");
    }
}
