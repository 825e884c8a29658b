using Eval.Core.Results;
using Eval.Cli;
using Eval.Storage;

namespace Eval.Torch.Tests.Running;

/// <summary>`eval merge OUT IN... --suite SUITE`: one whole run assembled from shards, a lost shard visible in it.</summary>
public class MergeSuiteTests : TinySuiteTests
{
    [Test]
    public void MergeWithSuite_OneShardNeverRan_RecordsAnInterruptedWholeRunListingItsCasesMissing()
    {
        var shard = Eval("run", suitePath, "--db", Db("s1.db"), "--shard", "1/2");
        var merged = Eval("merge", Db("merged.db"), Db("s1.db"), "--suite", suitePath);

        Assert.That(merged.Exit, Is.EqualTo(ExitCodes.CaseFailed), merged.Out + merged.Err);
        using var store = ResultStore.Open(Db("merged.db"));
        var whole = store.ListRuns().Single(r => r.Provenance.Shard is null);
        var shardRun = store.ListRuns().Single(r => r.Provenance.Shard == "1/2");
        int stored = store.LoadCases(shardRun.Id).Count;
        Assert.That(whole.Status, Is.EqualTo(RunStatus.Interrupted));
        Assert.That(store.LoadCases(whole.Id).Select(c => c.CaseHash), Is.EquivalentTo(store.LoadCases(shardRun.Id).Select(c => c.CaseHash)));
        Assert.That(merged.Out.Split('\n').Count(l => l.TrimStart().StartsWith("missing: ", StringComparison.Ordinal)), Is.EqualTo(12 - stored), shard.Out);
        Assert.That(merged.Out, Does.Contain($"{12 - stored} missing"));
    }

    [Test]
    public void MergeWithSuite_AllShards_RecordsOneWholeRunThatCompareTakesAsPrevious()
    {
        Eval("run", suitePath, "--db", Db("s1.db"), "--shard", "1/2");
        var first = Eval("merge", Db("merged.db"), Db("s1.db"), "--suite", suitePath);
        Eval("run", suitePath, "--db", Db("s2.db"), "--shard", "2/2");
        var second = Eval("merge", Db("merged.db"), Db("s1.db"), Db("s2.db"), "--suite", suitePath);

        // The 4 longrope cases of the tiny suite fail (factor lists too short for its head dim): failed, not missing.
        Assert.That(second.Out, Does.Contain("8 completed, 4 failed, 0 missing"), second.Out + second.Err);
        Assert.That(second.Exit, Is.EqualTo(ExitCodes.CaseFailed));
        using (var store = ResultStore.Open(Db("merged.db")))
        {
            var wholes = store.ListRuns().Where(r => r.Provenance.Shard is null).ToList();
            Assert.That(wholes, Has.Count.EqualTo(2));
            var cases = store.LoadCases(wholes[1].Id);
            Assert.That(cases, Has.Count.EqualTo(12));
            Assert.That(cases.Where(c => c.Status == CaseStatus.Failed).Select(c => c.Error), Has.All.Contain("head dimension 8 needs 4"));
            Assert.That(cases.Select(c => c.ReusedFromRun), Has.None.Null, "nothing was computed by the merge");
            Assert.That(first.Out, Does.Contain($"run {wholes[0].Id} "));
        }
        var compare = Eval("compare", "--db", Db("merged.db"));
        string firstWhole = System.Text.RegularExpressions.Regex.Match(first.Out, @"run (\S+) of suite").Groups[1].Value;
        Assert.That(compare.Out, Does.StartWith($"compare {firstWhole} -> "), "the previous whole run, not a shard's slice");
    }

    [Test]
    public void MergeWithSuite_UnknownSuiteFile_ExitsTwoAndWritesNothing()
    {
        Eval("run", suitePath, "--db", Db("s1.db"), "--shard", "1/2");
        var merged = Eval("merge", Db("merged.db"), Db("s1.db"), "--suite", Path.Combine(root, "nope.yaml"));
        Assert.That(merged.Exit, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(merged.Err, Does.Contain("nope.yaml"));
        Assert.That(File.Exists(Db("merged.db")), Is.False);
    }
}
