using Eval.Core.Results;
using Eval.Storage;
using Microsoft.Data.Sqlite;

namespace Eval.Tests.Storage;

public class ResultStoreTests
{
    string folder = "";
    string Db => Path.Combine(folder, "sub", "eval.db");

    [SetUp] public void Create() => folder = Path.Combine(Path.GetTempPath(), "store-tests", Guid.NewGuid().ToString("N"));
    [TearDown] public void Remove() { SqliteConnection.ClearAllPools(); Directory.Delete(folder, recursive: true); }

    static readonly Provenance Provenance = new("0.1.0", "abc", "box", "linux", "cpu x 2", null, "0.107", "2.10", "cpu", "fp32", null, "eval run s.yaml");

    static CaseResult Case(string hash, CaseStatus status = CaseStatus.Completed, double nll = 2.5) => new(
        hash, $"m | default | 256 | perplexity", "zoo:m", "fp", "default", 256, 256, "perplexity", "protocol=chunks", 1, status,
        status == CaseStatus.Failed ? "boom" : null, DateTime.UtcNow, DateTime.UtcNow, 1.5, 1000, 123456, "chunks window=256",
        [new MetricValue("nll", nll * 100, 100, nll), new MetricValue("ppl", nll * 100, 100, Math.Exp(nll))],
        [new SeriesPoint("position_nll", 4, 2.1, "{\"count\":3}"), new SeriesPoint("position_nll", 12, 2.0)]);

    [Test]
    public void Open_EmptyFile_MigratesToLatestAndReopensWithoutChange()
    {
        using (var store = ResultStore.Open(Db)) Assert.That(store.SchemaVersion, Is.EqualTo(1));
        using (var again = ResultStore.Open(Db)) Assert.That(again.SchemaVersion, Is.EqualTo(1));
        using var raw = new SqliteConnection($"Data Source={Db}");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.That(command.ExecuteScalar(), Is.EqualTo("wal"));
    }

    [Test]
    public void Open_NewerSchema_SaysUseNewerHarness()
    {
        using (ResultStore.Open(Db)) { }
        using (var raw = new SqliteConnection($"Data Source={Db};Pooling=false"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO schema_version VALUES (7)";
            command.ExecuteNonQuery();
        }
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Open(Db))!.Message, Does.Contain("schema version 7 is newer"));
    }

    [Test]
    public void SaveCase_ThenLoad_RoundTripsMetricsAndSeries()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "name: s", Provenance);
        store.SaveCase(run.Id, Case("h1"));
        store.EndRun(run.Id, RunStatus.Completed);
        var loaded = store.LoadCases(run.Id).Single();
        Assert.That(loaded.Metrics, Is.EqualTo(Case("h1").Metrics));
        Assert.That(loaded.Series, Is.EqualTo(Case("h1").Series));
        Assert.That((loaded.Protocol, loaded.PeakMemoryBytes), Is.EqualTo(("chunks window=256", 123456L)));
        Assert.That(store.GetRun("latest")!.Provenance, Is.EqualTo(Provenance));
        Assert.That(store.IsCaseComplete("h1") && !store.IsCaseComplete("h2"), Is.True);
    }

    [Test]
    public void SaveCase_FailingMidway_LeavesNothing()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance);
        var broken = Case("h1") with { Series = [new SeriesPoint("x", double.NaN, 1)] }; // SQLite refuses NaN after the case row is in
        Assert.Throws<InvalidOperationException>(() => store.SaveCase(run.Id, broken));
        Assert.That(store.LoadCases(run.Id), Is.Empty);
        Assert.That(store.IsCaseComplete("h1"), Is.False);
    }

    [Test]
    public void SaveCase_FailedThenCompleted_ReplacesTheFailure()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance);
        store.SaveCase(run.Id, Case("h1", CaseStatus.Failed));
        Assert.That(store.IsCaseComplete("h1"), Is.False);
        store.SaveCase(run.Id, Case("h1"));
        Assert.That(store.LoadCases(run.Id).Single().Status, Is.EqualTo(CaseStatus.Completed));
    }

    [Test]
    public void BeginRun_AfterAProcessDied_MarksTheStaleRunInterrupted()
    {
        using var store = ResultStore.Open(Db);
        var dead = store.BeginRun("s", "s.yaml", "", Provenance);
        store.BeginRun("s", "s.yaml", "", Provenance);
        Assert.That(store.GetRun(dead.Id)!.Status, Is.EqualTo(RunStatus.Interrupted));
        Assert.That(store.PreviousRun(store.GetRun("latest")!.Id)!.Id, Is.EqualTo(dead.Id));
    }

    [Test]
    public void Read_WhileAnotherConnectionHoldsAWriteTransaction_Succeeds()
    {
        using (var store = ResultStore.Open(Db)) store.SaveCase(store.BeginRun("s", "s.yaml", "", Provenance).Id, Case("h1"));
        using var writer = new SqliteConnection($"Data Source={Db};Pooling=false");
        writer.Open();
        using var transaction = writer.BeginTransaction();
        using (var insert = writer.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO runs (id, suite_name, suite_path, suite_text, started_at, status, provenance) VALUES ('x','s','p','t','2026','Running','{}')";
            insert.ExecuteNonQuery();
        }
        using var reader = ResultStore.Open(Db);
        Assert.That(reader.ListRuns(), Has.Count.EqualTo(1), "the reader sees the last commit, not the open transaction");
        transaction.Rollback();
    }

    [Test]
    public void Merge_TwoStores_IsIdempotentAndKeepsProvenance()
    {
        string a = Path.Combine(folder, "a.db"), b = Path.Combine(folder, "b.db"), merged = Path.Combine(folder, "m.db");
        using (var store = ResultStore.Open(a)) store.SaveCase(store.BeginRun("s", "s.yaml", "", Provenance with { Shard = "1/2" }).Id, Case("h1"));
        using (var store = ResultStore.Open(b)) store.SaveCase(store.BeginRun("s", "s.yaml", "", Provenance with { Shard = "2/2" }).Id, Case("h2", nll: 3));
        Assert.That(ResultStore.Merge(merged, [a, b]), Is.EqualTo((2, 2)));
        Assert.That(ResultStore.Merge(merged, [a, b]), Is.EqualTo((0, 0)));
        using var result = ResultStore.Open(merged);
        Assert.That(result.ListRuns().Select(r => r.Provenance.Shard), Is.EquivalentTo(new[] { "1/2", "2/2" }));
        Assert.That(result.IsCaseComplete("h1") && result.IsCaseComplete("h2"), Is.True);
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Merge(merged, [Path.Combine(folder, "none.db")]))!.Message, Does.Contain("no such database"));
    }
}
