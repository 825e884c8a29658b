using System.Diagnostics;
using System.Text.Json.Nodes;
using Eval.Tests.Fakes;
using Eval.Storage;
using Microsoft.Data.Sqlite;

namespace Eval.Tests.Cli;

/// <summary>Inputs found by an adversarial probe (issue #17) that crashed with a stack trace: each must exit 2 with a message.</summary>
public class BadInputExitCodeTests
{
    string dir = "";

    [SetUp] public void Create() => dir = Directory.CreateTempSubdirectory("bad-input-").FullName;
    [TearDown]
    public void Remove()
    {
        foreach (string path in immutable) Chattr("-i", path);
        immutable.Clear();
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    readonly List<string> immutable = [];

    /// <summary>
    /// Makes a file or folder read-only even for root (tests run as root here, who ignores mode bits): chattr +i.
    /// The test is inconclusive where chattr is unavailable.
    /// </summary>
    void MakeReadOnly(string path)
    {
        if (!OperatingSystem.IsLinux() || !Chattr("+i", path)) Assert.Inconclusive("chattr +i is not available here.");
        immutable.Add(path);
    }

    static bool Chattr(string flag, string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    static string ForeignDatabase(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')";
        create.ExecuteNonQuery();
        return path;
    }

    /// <summary>Bytes 18 and 19 of an SQLite header are 2 in WAL mode, 1 in rollback-journal mode.</summary>
    static int JournalFormat(string path) => File.ReadAllBytes(path)[18];

    [TestCase("runs")]
    [TestCase("show")]
    [TestCase("run")]
    public void AnotherProgramsSqliteFile_IsRefusedWithoutSwitchingItToWal(string verb)
    {
        string db = ForeignDatabase(Path.Combine(dir, "theirs.db"));
        byte[] before = File.ReadAllBytes(db);
        Assert.That(JournalFormat(db), Is.EqualTo(1), "test setup");
        string[] args = verb == "run" ? ["run", Suite(), "--db", db] : [verb, "--db", db];
        var (exit, _, err) = CliRunner.Run(args);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("not an eval result store"));
        Assert.That(File.ReadAllBytes(db), Is.EqualTo(before), "the refused file must be left exactly as it was");
        Assert.That(File.Exists(db + "-wal"), Is.False);
    }

    [Test]
    public void Runs_StoreInReadOnlyFolder_IsListedAndUnchanged()
    {
        string folder = Directory.CreateDirectory(Path.Combine(dir, "ro")).FullName;
        string db = Path.Combine(folder, "eval.db");
        string run = StoredCases.StoreRun(db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        SqliteConnection.ClearAllPools();
        byte[] before = File.ReadAllBytes(db);
        MakeReadOnly(folder);
        foreach (string[] args in new[] { new[] { "runs", "--db", db }, ["show", run, "--db", db], ["report", "--db", db, "--out", Path.Combine(dir, "report")] })
        {
            var (exit, output, err) = CliRunner.Run(args);
            Assert.That(exit, Is.EqualTo(0), string.Join(" ", args) + ": " + err);
            Assert.That(output, Does.Contain(args[0] == "report" ? "report.html" : run));
        }
        Assert.That(File.ReadAllBytes(db), Is.EqualTo(before));
    }

    [Test]
    public void Run_ReadOnlyDatabaseFile_ExitsTwoNamingTheFile()
    {
        string db = Path.Combine(dir, "eval.db");
        StoredCases.StoreRun(db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        SqliteConnection.ClearAllPools();
        MakeReadOnly(db);
        var (exit, _, err) = CliRunner.Run("run", Suite(), "--db", db);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--db").And.Contain(db).And.Contain("cannot be written"));
    }

    /// <summary>A valid one-model suite (a config.json is all validation reads).</summary>
    string Suite()
    {
        string model = Directory.CreateDirectory(Path.Combine(dir, "model")).FullName;
        File.WriteAllText(Path.Combine(model, "config.json"), new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 64, ["hidden_size"] = 16, ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2,
            ["intermediate_size"] = 32, ["max_position_embeddings"] = 256, ["position_encoding"] = "rope",
        }.ToJsonString());
        string suite = Path.Combine(dir, "s.yaml");
        File.WriteAllText(suite, $"models: [{{ path: \"{model}\" }}]\nstrategies: [default]\nlengths: [256]\ntasks: [passkey]\n");
        return suite;
    }

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

    [TestCase("runs")]
    [TestCase("run")]
    public void DanglingSymbolicLinkAsDb_ExitsTwoNamingTheLinkAndItsMissingTarget(string verb)
    {
        string link = Path.Combine(dir, "eval.db"), target = Path.Combine(dir, "gone", "eval.db");
        File.CreateSymbolicLink(link, target);
        string[] args = verb == "run" ? ["run", Suite(), "--db", link] : [verb, "--db", link];
        var (exit, _, err) = CliRunner.Run(args);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain(link).And.Contain(target).And.Contain("does not exist").And.Not.Contain("SQLite Error"));
        Assert.That(Directory.Exists(Path.GetDirectoryName(target)), Is.False, "nothing created where the link points");
    }

    [Test]
    public void Run_StoreOnAFullDisk_ExitsTwoSayingTheDiskIsFullAndKeepsItsRuns()
    {
        using var disk = FullDisk.Mount();
        string db = Path.Combine(disk.Root, "eval.db");
        string run = StoredCases.StoreRun(db, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        disk.Fill();
        var (exit, _, err) = CliRunner.Run("run", Suite(), "--db", db);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain(db).And.Contain("the disk is full").And.Not.Contain("SQLite Error"));
        var (read, listing, readError) = CliRunner.Run("runs", "--db", db);
        Assert.That(read, Is.EqualTo(0), "the store can still be read while the disk is full: " + readError);
        Assert.That(listing, Does.Contain(run));
        disk.Free();
        var (listed, output, listError) = CliRunner.Run("show", run, "--db", db);
        Assert.That(listed, Is.EqualTo(0), listError);
        Assert.That(output, Does.Contain("ppl 7.389"));
    }

    [Test]
    public void Merge_OutIsASymbolicLinkToAnInput_ExitsTwoAndLeavesTheInputUnchanged()
    {
        string input = Path.Combine(dir, "in.db"), link = Path.Combine(dir, "out.db");
        StoredCases.StoreRun(input, "s", StoredCases.Perplexity("zoo:m", "default", 256, 2, 1000, 1));
        SqliteConnection.ClearAllPools();
        File.CreateSymbolicLink(link, input);
        byte[] before = File.ReadAllBytes(input);
        var (exit, _, err) = CliRunner.Run("merge", link, input);
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("is the merge output itself"));
        Assert.That(File.ReadAllBytes(input), Is.EqualTo(before));
    }
}
