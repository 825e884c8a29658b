using Eval.Core.Results;
using Eval.Storage;
using Schema = Eval.Storage.Schema;

namespace Eval.Tests.Storage;

/// <summary>
/// Behaviour that Stryker's run over Eval.Storage (tests/mutation/SURVIVORS.md) showed no test held: reading verbs on
/// old or broken files, run lookups that find nothing, run end times, owners of other hosts, and merging failures.
/// </summary>
public partial class ResultStoreTests
{
    [Test]
    public void OpenReadOnly_OlderSchemaStore_IsMigratedThenRead()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Db)!);
        Sql("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);" + Schema.Migrations[0] +
            ";INSERT INTO runs (id, suite_name, suite_path, suite_text, started_at, status, provenance) VALUES ('r1', 's', 's.yaml', '', '2026-01-01T00:00:00Z', 'Completed', '{}');");
        using var store = ResultStore.OpenReadOnly(Db);
        Assert.That(store.SchemaVersion, Is.EqualTo(Schema.Latest));
        Assert.That(store.ListRuns().Single().Id, Is.EqualTo("r1"));
    }

    [Test]
    public void OpenAndOpenReadOnly_FileThatIsNotSqlite_AreStoreErrorsAndLeaveItUnchanged()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Db)!);
        byte[] text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("not a database; ", 300)));
        File.WriteAllBytes(Db, text);
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.OpenReadOnly(Db))!.Message, Does.StartWith(Db + ": cannot open as a result store"));
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Open(Db))!.Message, Does.StartWith(Db + ": cannot open as a result store"));
        Assert.That(File.ReadAllBytes(Db), Is.EqualTo(text));
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.OpenReadOnly(Db + ".missing"))!.Message, Does.Contain("no such database"));
    }

    [Test]
    public void GetRunAndPreviousRun_NothingToFind_AreNull()
    {
        using var store = ResultStore.Open(Db);
        Assert.That(store.GetRun("latest"), Is.Null);
        Assert.That(store.GetRun("20260101-000000-abcd"), Is.Null);
        Assert.That(store.PreviousRun("20260101-000000-abcd"), Is.Null);
    }

    [Test]
    public void GetRun_Latest_IsTheNewestRun()
    {
        using var store = ResultStore.Open(Db);
        store.BeginRun("s", "s.yaml", "", Provenance);
        var newer = store.BeginRun("t", "t.yaml", "", Provenance);
        Assert.That(store.GetRun("latest")!.Id, Is.EqualTo(newer.Id));
    }

    [Test]
    public void EndRun_StoresStatusAndEndTime_AsUtc()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance);
        Assert.That(store.GetRun(run.Id)!.EndedAt, Is.Null);
        store.EndRun(run.Id, RunStatus.Completed);
        var ended = store.GetRun(run.Id)!;
        Assert.That(ended.Status, Is.EqualTo(RunStatus.Completed));
        Assert.That(ended.StartedAt, Is.EqualTo(run.StartedAt), "stored to the tick");
        Assert.That(ended.EndedAt, Is.GreaterThanOrEqualTo(ended.StartedAt).And.LessThanOrEqualTo(DateTime.UtcNow));
        Assert.That((ended.StartedAt.Kind, ended.EndedAt!.Value.Kind), Is.EqualTo((DateTimeKind.Utc, DateTimeKind.Utc)));
    }

    [Test]
    public void FindCompletedAndFindLatestFailure_CaseStoredAsReused_NameTheRunThatComputedIt()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance); // a merged database may hold the reusing run without the computing one
        store.SaveCase(run.Id, Case("h1") with { ReusedFromRun = "20250101-000000-aaaa" });
        store.SaveCase(run.Id, Case("h2", CaseStatus.Failed) with { ReusedFromRun = "20250101-000000-bbbb" });
        Assert.That(store.LoadCases(run.Id).Select(c => c.ReusedFromRun), Is.EqualTo(new[] { "20250101-000000-aaaa", "20250101-000000-bbbb" }));
        Assert.That(store.FindCompleted("h1")!.ReusedFromRun, Is.EqualTo("20250101-000000-aaaa"));
        Assert.That(store.FindLatestFailure("h2")!.ReusedFromRun, Is.EqualTo("20250101-000000-bbbb"));
    }

    [TestCase("other-host:2147483647", TestName = "IsDeadLocalProcess_AnotherHostsOwner_IsNotJudged")]
    [TestCase("{host}:notapid", TestName = "IsDeadLocalProcess_UnreadablePid_IsNotJudged")]
    [TestCase("{host}:{pid}", TestName = "IsDeadLocalProcess_LiveOwnerWithoutStartTime_IsAlive")]
    [TestCase("{host}:{pid}@0", TestName = "IsDeadLocalProcess_LiveOwnerWithUnknownStartTime_IsAlive")]
    [TestCase("{host}", TestName = "IsDeadLocalProcess_OwnerWithoutPid_IsNotJudged")]
    public void IsDeadLocalProcess_OwnersThatCannotBeShownDead_AreNotDead(string owner)
    {
        owner = owner.Replace("{host}", Environment.MachineName).Replace("{pid}", Environment.ProcessId.ToString());
        Assert.That(ResultStore.IsDeadLocalProcess(owner), Is.False);
    }

    [Test]
    public void Merge_FailureOnly_IsCopied_AndAnotherFailureOfTheSameCaseNeverReplacesIt()
    {
        var (a, b, merged, runId) = OneRunInTwoStores(Case("h1", CaseStatus.Failed) with { Error = "first" },
            Case("h1", CaseStatus.Failed) with { Error = "second" }); // retried, failed again
        Assert.That(ResultStore.Merge(merged, [a, b]), Is.EqualTo((1, 1)), "a's failure is copied; b's, met second, changes nothing");
        using var result = ResultStore.Open(merged);
        Assert.That(result.LoadCases(runId).Single().Error, Is.EqualTo("first"));
    }

    [Test]
    public void ListRuns_AfterAMergeThatCopiedTheLaterRunFirst_IsInStartOrder()
    {
        string a = Path.Combine(folder, "a.db"), b = Path.Combine(folder, "b.db"), merged = Path.Combine(folder, "m.db");
        string earlier, later;
        using (var store = ResultStore.Open(a)) earlier = store.BeginRun("s", "s.yaml", "", Provenance).Id;
        Thread.Sleep(5); // a later start time
        using (var store = ResultStore.Open(b)) later = store.BeginRun("s", "s.yaml", "", Provenance).Id;
        ResultStore.Merge(merged, [b, a]);
        using var result = ResultStore.Open(merged);
        Assert.That(result.ListRuns().Select(r => r.Id), Is.EqualTo(new[] { earlier, later }));
    }

    [TestCase("nowhere/x.db", TestName = "OpenAndOpenReadOnly_SymbolicLinkToAMissingFolder_NameTheLinkAndTargetAndCreateNothing")]
    [TestCase("x.db", TestName = "OpenAndOpenReadOnly_SymbolicLinkToAMissingFile_NameTheLinkAndTargetAndCreateNothing")]
    public void OpenAndOpenReadOnly_DanglingSymbolicLink_NameTheLinkAndTargetAndCreateNothing(string target)
    {
        string link = Path.Combine(folder, "eval.db"), missing = Path.Combine(folder, target);
        Directory.CreateDirectory(folder);
        File.CreateSymbolicLink(link, missing);
        foreach (var open in new Func<string, ResultStore>[] { ResultStore.Open, ResultStore.OpenReadOnly })
        {
            string message = Assert.Throws<StoreException>(() => open(link).Dispose())!.Message;
            Assert.That(message, Does.StartWith(link + ": ").And.Contain(missing).And.Contain("does not exist").And.Not.Contain("SQLite Error"));
        }
        Assert.That(Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName), Is.EqualTo(new[] { "eval.db" }), "no file created where the link points");
    }
}
