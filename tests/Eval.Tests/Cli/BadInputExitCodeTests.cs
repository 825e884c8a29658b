using Eval.Storage;
using Microsoft.Data.Sqlite;

namespace Eval.Tests.Cli;

/// <summary>Inputs found by an adversarial probe (issue #17) that crashed with a stack trace: each must exit 2 with a message.</summary>
public class BadInputExitCodeTests
{
    string dir = "";

    [SetUp] public void Create() => dir = Directory.CreateTempSubdirectory("bad-input-").FullName;
    [TearDown] public void Remove() => Directory.Delete(dir, recursive: true);

    [Test]
    public void Validate_UnclosedBracket_ExitsTwoNamingTheFile()
    {
        string suite = Path.Combine(dir, "s.yaml");
        File.WriteAllText(suite, "lengths: [1, 2\ntasks: [perplexity]\n");
        var (exit, _, err) = CliRunner.Run("validate", suite);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain(suite).And.Contain("unclosed"));
    }

    [TestCase("0")]
    [TestCase("100000")]
    public void Bench_ThreadsOutsideMachine_ExitsTwoNamingValueAndRange(string threads)
    {
        var (exit, _, err) = CliRunner.Run("bench", "--model", dir, "--threads", threads);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain($"--threads {threads} is not valid").And.Contain($"1 to {Environment.ProcessorCount}"));
    }

    [Test]
    public void Bench_NegativeSoak_ExitsTwoNamingValue()
    {
        var (exit, _, err) = CliRunner.Run("bench", "--model", dir, "--soak", "-1");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--soak -1 is not valid"));
    }

    [Test]
    public void Runs_StoreMissingATable_ExitsTwoAndKeepsTheFile()
    {
        string db = Path.Combine(dir, "r.db");
        ResultStore.Open(db).Dispose();
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE runs";
            drop.ExecuteNonQuery();
        }
        var (exit, _, err) = CliRunner.Run("runs", "--db", db);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("runs"));
        Assert.That(File.Exists(db), Is.True);
    }
}
