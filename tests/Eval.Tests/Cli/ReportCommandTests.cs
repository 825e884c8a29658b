using Eval.Cli;
using Eval.Tests.Fakes;
using Microsoft.Data.Sqlite;

namespace Eval.Tests.Cli;

/// <summary>`eval compare` on hand-made stored runs: the regression gate's verdicts and exit codes.</summary>
public class ReportCommandTests
{
    string folder = "";
    string Db => Path.Combine(folder, "eval.db");

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("report-command-").FullName;
    [TearDown] public void Remove() { SqliteConnection.ClearAllPools(); Directory.Delete(folder, recursive: true); }

    [Test]
    public void Compare_RunsWithNoCaseInCommon_ExitsTwoNamingBothRuns()
    {
        string a = StoredCases.StoreRun(Db, "suite-a", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        string b = StoredCases.StoreRun(Db, "suite-b", StoredCases.Perplexity("zoo:other", "default", 256, 2, 1000, 1));
        var (exit, output, error) = CliRunner.Run("compare", "--db", Db, "--baseline", a, "--candidate", b);
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput), output + error);
        Assert.That(error, Does.Contain("nothing to compare").And.Contain(a).And.Contain(b).And.Contain("no case in common"));
        Assert.That(output, Does.Not.Contain("no regression"));
    }

    [Test]
    public void Compare_SameSuiteDifferentLengths_ExitsTwo()
    {
        string a = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        string b = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 512, 2, 1000, 1));
        Assert.That(CliRunner.Run("compare", "--db", Db, "--baseline", a, "--candidate", b).Exit, Is.EqualTo(ExitCodes.InvalidInput));
    }

    [Test]
    public void Compare_TwentyPercentWorseOnFewTokens_IsWithinNoiseAndExitsZero()
    {
        // 255 tokens of s.d. 3.2 (one window of the zoo model on a book): noise about 75%, so +20% cannot be told from chance.
        string a = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 6.0, 255, 3.2));
        string b = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 6.0 + Math.Log(1.2), 255, 3.2));
        var (exit, output, error) = CliRunner.Run("compare", "--db", Db, "--baseline", a, "--candidate", b);
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output + error);
        Assert.That(output, Does.Contain("(+20.0%, noise ").And.Contain("): within noise").And.Contain("no regression"));
    }

    [Test]
    public void Compare_TwentyPercentWorseOnManyTokens_IsBeyondToleranceAndNoiseAndExitsThree()
    {
        string a = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 6.0, 8160, 3.2));
        string b = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 6.0 + Math.Log(1.2), 8160, 3.2));
        var (exit, output, error) = CliRunner.Run("compare", "--db", Db, "--baseline", a, "--candidate", b);
        Assert.That(exit, Is.EqualTo(ExitCodes.Regression), output + error);
        Assert.That(output, Does.Contain("REGRESSION zoo:m | default | 256 | ppl").And.Contain("beyond tolerance and noise").And.Contain("regression found"));
    }

    [Test]
    public void Compare_SuiteAndModelNamesWithEscapeCodes_PrintsThemEscaped()
    {
        string a = StoredCases.StoreRun(Db, "s\u001b]0;x\u0007", StoredCases.Perplexity("zoo:\u001b[2Jm", "default", 256, 2, 1000, 1));
        string b = StoredCases.StoreRun(Db, "s\u001b]0;x\u0007", StoredCases.Perplexity("zoo:\u001b[2Jm", "default", 256, 3, 1000, 1));
        var (_, output, error) = CliRunner.Run("compare", "--db", Db, "--baseline", a, "--candidate", b);
        Assert.That(output + error, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(output, Does.Contain("zoo:\\x1b[2Jm"));
    }

    [Test]
    public void Report_OutUnderARegularFile_ExitsTwoNamingTheOption()
    {
        string run = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        string file = Path.Combine(folder, "plain.txt");
        File.WriteAllText(file, "x");
        var (exit, output, error) = CliRunner.Run("report", "--db", Db, "--run", run, "--out", Path.Combine(file, "report"));
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput), output + error);
        Assert.That(error, Does.Contain("--out").And.Contain(Path.Combine(file, "report")).And.Not.Contain("   at "));
        Assert.That(File.ReadAllText(file), Is.EqualTo("x"));
    }

    [Test]
    public void Report_OutInProc_ExitsTwoNamingTheOption()
    {
        string run = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        var (exit, output, error) = CliRunner.Run("report", "--db", Db, "--run", run, "--out", "/proc/x");
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput), output + error);
        Assert.That(error, Does.Contain("--out /proc/x").And.Not.Contain("   at "));
    }

    [Test]
    public void Report_ThreeHundredCharacterModelName_WritesTheReport()
    {
        string run = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:" + new string('m', 300), "default", 256, 2, 1000, 1));
        string report = Path.Combine(folder, "report");
        var (exit, output, error) = CliRunner.Run("report", "--db", Db, "--run", run, "--out", report);
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output + error);
        Assert.That(File.Exists(Path.Combine(report, "report.html")), Is.True);
    }

    [Test]
    public void Report_PageThatCannotBeWritten_ExitsTwoNamingTheFileNotJustTheFolder()
    {
        string run = StoredCases.StoreRun(Db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        string report = Path.Combine(folder, "report");
        string page = Directory.CreateDirectory(Path.Combine(report, "report.html")).FullName; // a folder where the page goes
        var (exit, output, error) = CliRunner.Run("report", "--db", Db, "--run", run, "--out", report);
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput), output + error);
        Assert.That(error, Does.Contain($"report file {page} cannot be written").And.Not.Contain("   at "));
    }

    [Test]
    public void Merge_ForeignInput_IsRefusedBeforeTheOutputIsCreated()
    {
        string good = Path.Combine(folder, "good.db");
        StoredCases.StoreRun(good, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        string foreign = Path.Combine(folder, "foreign.db");
        using (var connection = new SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE notes (text TEXT)";
            create.ExecuteNonQuery();
        }
        string output = Path.Combine(folder, "merged.db");
        var (exit, _, error) = CliRunner.Run("merge", output, good, foreign);
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput), error);
        Assert.That(error, Does.Contain(foreign).And.Contain("not an eval result store"));
        Assert.That(File.Exists(output), Is.False, "a refused merge must not leave an output database behind");
    }
}
