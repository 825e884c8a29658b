using Eval.Core.Results;
using System.Diagnostics;
using Eval.Cli;
using Eval.Core.Runtime;
using Eval.Storage;
using Eval.Torch.Tests.Fixtures;

namespace Eval.Torch.Tests.Cluster;

/// <summary>
/// The smoke suite under a real Slurm: single-node-slurm.sh starts munged, slurmctld and slurmd from Debian 12's
/// packages, submits what `eval slurm --submit` writes (2 shards), cancels a shard of a second submission and submits
/// again, then stops the daemons. These tests read the databases it leaves. Without Slurm installed (or not as root,
/// which the daemons need here) they are ignored with the reason, never passed.
/// </summary>
[Category("Slurm")]
[NonParallelizable]
public class SlurmSingleNodeTests
{
    const int Shards = 2;
    const int CancelledShard = 2;
    string work = "";
    Dictionary<string, string> outcome = [];

    [OneTimeSetUp]
    public void RunSuiteUnderSlurm()
    {
        string[] missing = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "scontrol", "sinfo"];
        missing = missing.Where(tool => !OnPath(tool)).ToArray();
        if (missing.Length > 0)
            Assert.Ignore($"Slurm is not installed here (missing: {string.Join(", ", missing)}); apt-get install slurmctld slurmd slurm-client munge, as .ci/run does.");
        if (Environment.UserName != "root")
            Assert.Ignore($"the single-node Slurm runs its daemons as root; this is {Environment.UserName}.");

        work = Directory.CreateTempSubdirectory("eval-slurm-").FullName;
        string script = RepositoryPaths.Require("tests/Eval.Torch.Tests/Cluster/single-node-slurm.sh");
        string suite = RepositoryPaths.Require("suites/smoke.yaml");
        string dll = typeof(EvalCli).Assembly.Location;
        // timeout sends SIGTERM, on which the script stops its daemons before it exits.
        var clock = Stopwatch.StartNew();
        var (exit, output, error) = ChildProcess.Run("timeout", Path.GetDirectoryName(script)!,
            ["1500", "bash", script, work, dll, suite, $"{Shards}", $"{CancelledShard}"], timeout: TimeSpan.FromMinutes(26));
        string log = output + error;
        TestContext.Out.WriteLine($"single-node-slurm.sh took {clock.Elapsed.TotalSeconds:F0} s, exit code {exit}; its output:\n{log}");
        Assert.That(exit, Is.EqualTo(0), $"single-node-slurm.sh failed (124: timed out); its output:\n{log}");
        outcome = File.ReadAllLines(Path.Combine(work, "outcome.txt")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    [OneTimeTearDown]
    public void RemoveWorkFolder()
    {
        if (work.Length > 0 && Directory.Exists(work)) Directory.Delete(work, recursive: true);
    }

    [Test]
    public void MergeJob_AllShardsFinished_ExitsZero() => Assert.That(outcome["sharded_merge_exit"], Is.EqualTo("0"));

    [Test]
    public void MergedRun_AllShardsFinished_HoldsExactlyTheFiguresOfAnUnshardedRun()
    {
        var reference = OnlyRun(Path.Combine(work, "unsharded.db"));
        var merged = WholeRuns(Path.Combine(work, "sharded", "merged.db")).Single();
        Assert.That(merged.Run.Status, Is.EqualTo(RunStatus.Completed));
        Assert.That(merged.Cases.Select(c => c.CaseHash), Is.EquivalentTo(reference.Cases.Select(c => c.CaseHash)));
        foreach (var expected in reference.Cases)
        {
            var actual = merged.Cases.Single(c => c.CaseHash == expected.CaseHash);
            Assert.That(actual.Status, Is.EqualTo(CaseStatus.Completed), actual.DisplayName);
            Assert.That(actual.Metrics, Is.EqualTo(expected.Metrics), $"{actual.DisplayName}: metrics (sum, count, value) bit for bit");
            Assert.That(actual.Series, Is.EqualTo(expected.Series), $"{actual.DisplayName}: series");
            Assert.That(actual.Protocol, Is.EqualTo(expected.Protocol), actual.DisplayName);
        }
    }

    [Test]
    public void MergedRun_ShardCancelledAfterItsFirstCase_ShowsItsOtherCasesMissing()
    {
        Assert.That(int.Parse(outcome["killed_cases_at_cancel"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
        Assert.That(outcome["killed_merge_exit"], Is.EqualTo("1"), "the merge job reports the missing cases with exit code 1");
        var afterCancel = WholeRuns(Path.Combine(work, "killed", "merged.db")).First();
        int total = OnlyRun(Path.Combine(work, "unsharded.db")).Cases.Count;
        Assert.That(afterCancel.Run.Status, Is.EqualTo(RunStatus.Interrupted));
        Assert.That(afterCancel.Cases.Count(c => c.Status == CaseStatus.Completed), Is.InRange(1, total - 1),
            "the cancelled shard had stored some but not all of its cases");
    }

    [Test]
    public void Resubmission_AfterShardCancelled_CompletesTheRunWithoutRecomputingFinishedCases()
    {
        Assert.That(outcome["resubmitted_merge_exit"], Is.EqualTo("0"));
        var reference = OnlyRun(Path.Combine(work, "unsharded.db"));
        var final = WholeRuns(Path.Combine(work, "killed", "merged.db")).Last();
        Assert.That(final.Run.Status, Is.EqualTo(RunStatus.Completed));
        Assert.That(final.Cases.Where(c => c.Status == CaseStatus.Completed).Select(c => c.CaseHash), Is.EquivalentTo(reference.Cases.Select(c => c.CaseHash)));

        // Across both submissions, every case was computed once: in later runs of a shard it is reused, never recomputed.
        var computed = Enumerable.Range(1, Shards)
            .SelectMany(i => AllCases(Path.Combine(work, "killed", $"shard-{i}.db")))
            .Where(c => c.Status == CaseStatus.Completed && c.ReusedFromRun is null)
            .GroupBy(c => c.CaseHash).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(computed.Keys, Is.EquivalentTo(reference.Cases.Select(c => c.CaseHash)));
        Assert.That(computed.Where(p => p.Value > 1).Select(p => p.Key), Is.Empty, "cases computed more than once");
    }

    static (RunInfo Run, IReadOnlyList<CaseResult> Cases) OnlyRun(string path)
    {
        using var store = ResultStore.Open(path);
        var run = store.ListRuns().Single();
        return (run, store.LoadCases(run.Id));
    }

    /// <summary>The runs `eval merge --suite` recorded (no shard), oldest first, with their cases.</summary>
    static List<(RunInfo Run, IReadOnlyList<CaseResult> Cases)> WholeRuns(string path)
    {
        using var store = ResultStore.Open(path);
        return store.ListRuns().Where(r => r.Provenance.Shard is null).Select(r => (r, store.LoadCases(r.Id))).ToList();
    }

    static List<CaseResult> AllCases(string path)
    {
        using var store = ResultStore.Open(path);
        return store.ListRuns().SelectMany(r => store.LoadCases(r.Id)).ToList();
    }

    static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Any(folder => File.Exists(Path.Combine(folder, tool)));
}
