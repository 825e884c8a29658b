using Eval.Core.Results;
using Eval.Storage;

namespace Eval.Tests.Storage;

/// <summary>
/// Merging where OUT is an input under another name (a symbolic link, a hard link, a relative path), and merging a run that
/// is still being written by another process: the copy must follow its source when merged again, not stay interrupted.
/// </summary>
public partial class ResultStoreTests
{
    /// <summary>a.db with one run of suite s holding case h1, owned by this (live) test process as `eval run` would be.</summary>
    (string Path, string RunId) StoreWithARunningRun()
    {
        string a = Path.Combine(folder, "a.db");
        using var store = ResultStore.Open(a);
        string runId = store.BeginRun("s", "s.yaml", "", Provenance).Id;
        store.SaveCase(runId, Case("h1"));
        return (a, runId);
    }

    [Test]
    public void Merge_OutputIsASymbolicLinkToAnInput_IsRefusedAndTheInputUnchanged()
    {
        var (a, _) = StoreWithARunningRun();
        string link = Path.Combine(folder, "m.db");
        File.CreateSymbolicLink(link, a);
        byte[] before = File.ReadAllBytes(a);
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Merge(link, [a]))!.Message, Does.Contain("is the merge output itself"));
        Assert.That(File.ReadAllBytes(a), Is.EqualTo(before));
    }

    [Test]
    public void Merge_OutputIsAHardLinkToAnInput_IsRefused()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("hard links are made with ln here.");
        var (a, _) = StoreWithARunningRun();
        string link = Path.Combine(folder, "m.db");
        using (var ln = System.Diagnostics.Process.Start("ln", [a, link])) ln.WaitForExit();
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Merge(link, [a]))!.Message, Does.Contain("is the merge output itself"));
    }

    [Test]
    public void Merge_InputNamedThroughALinkedFolderAndARelativePath_IsRefused()
    {
        var (a, _) = StoreWithARunningRun();
        string linkedFolder = Path.Combine(folder, "same");
        Directory.CreateSymbolicLink(linkedFolder, folder);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(linkedFolder, "a.db"));
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Merge(a, [relative]))!.Message, Does.Contain("is the merge output itself"));
    }

    [Test]
    public void Merge_InputRunStillRunning_KeepsItRunningInTheOutputAndSaysWhoRunsIt()
    {
        var (a, runId) = StoreWithARunningRun();
        string merged = Path.Combine(folder, "m.db");
        var notes = new List<string>();
        ResultStore.Merge(merged, [a], notes.Add);
        Assert.That(notes.Single(), Does.Contain(runId).And.Contain(a).And.Contain("still running")
            .And.Contain($"pid {Environment.ProcessId} on host {Environment.MachineName}"));
        using var result = ResultStore.Open(merged);
        result.BeginRun("s", "s.yaml", "", Provenance); // what `eval merge --suite` or a run of the suite on OUT does first
        Assert.That(result.GetRun(runId)!.Status, Is.EqualTo(RunStatus.Running), "its process is alive: it is not interrupted");
    }

    [Test]
    public void Merge_AgainAfterTheInputRunEnded_TakesItsStatusAndItsLaterCases()
    {
        var (a, runId) = StoreWithARunningRun();
        string merged = Path.Combine(folder, "m.db");
        ResultStore.Merge(merged, [a]);
        // OUT marked its copy interrupted meanwhile (as it did to every merged running run, whose owner was not copied).
        SqlOn(merged, $"UPDATE runs SET status = 'Interrupted', ended_at = '2026-01-01T00:00:00Z' WHERE id = '{runId}'");
        DateTime? ended;
        using (var store = ResultStore.Open(a))
        {
            store.SaveCase(runId, Case("h2"));
            store.EndRun(runId, RunStatus.Completed);
            ended = store.GetRun(runId)!.EndedAt;
        }
        var notes = new List<string>();
        ResultStore.Merge(merged, [a], notes.Add);
        Assert.That(notes.Single(), Does.Contain(runId).And.Contain("Completed"));
        using (var result = ResultStore.Open(merged))
        {
            Assert.That(result.GetRun(runId)!.Status, Is.EqualTo(RunStatus.Completed));
            Assert.That(result.GetRun(runId)!.EndedAt, Is.EqualTo(ended));
            Assert.That(result.LoadCases(runId).Select(c => c.CaseHash), Is.EqualTo(new[] { "h1", "h2" }));
        }
        notes.Clear();
        Assert.That(ResultStore.Merge(merged, [a], notes.Add), Is.EqualTo((0, 0)), "merging it once more changes nothing");
        Assert.That(notes, Is.Empty);
    }

    [Test]
    public void Merge_InputRunWhoseProcessIsGone_SaysSoAndTheOutputShowsItAbandoned()
    {
        var (a, runId) = StoreWithARunningRun();
        SqlOn(a, $"UPDATE runs SET owner = '{Environment.MachineName}:{int.MaxValue}@1' WHERE id = '{runId}'");
        string merged = Path.Combine(folder, "m.db");
        var notes = new List<string>();
        ResultStore.Merge(merged, [a], notes.Add);
        Assert.That(notes.Single(), Does.Contain(runId).And.Contain("is gone"));
        using var result = ResultStore.Open(merged);
        Assert.That(result.AbandonedRuns(), Is.EquivalentTo(new[] { runId }));
    }

    /// <summary>Runs SQL on any store file through a connection of its own, as another program would.</summary>
    static void SqlOn(string path, string sql)
    {
        using var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
