using Eval.Core.Results;
using Eval.Storage;
using Microsoft.Data.Sqlite;
using Schema = Eval.Storage.Schema;

namespace Eval.Tests.Storage;

public partial class ResultStoreTests
{
    string folder = "";
    string Db => Path.Combine(folder, "sub", "eval.db");

    [SetUp] public void Create() => folder = Path.Combine(Path.GetTempPath(), "store-tests", Guid.NewGuid().ToString("N"));
    [TearDown] public void Remove() { SqliteConnection.ClearAllPools(); if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }

    static readonly Provenance Provenance = new("0.1.0", "abc", "box", "linux", "cpu x 2", null, "0.107", "2.10", "cpu", "fp32", null, "eval run s.yaml");

    static CaseResult Case(string hash, CaseStatus status = CaseStatus.Completed, double nll = 2.5) => new(
        hash, $"m | default | 256 | perplexity", "zoo:m", "fp", "default", 256, 256, "perplexity", "protocol=chunks", 1, status,
        status == CaseStatus.Failed ? "boom" : null, DateTime.UtcNow, DateTime.UtcNow, 1.5, 1000, 123456, "chunks window=256",
        [new MetricValue("nll", nll * 100, 100, nll), new MetricValue("ppl", nll * 100, 100, Math.Exp(nll))],
        [new SeriesPoint("position_nll", 4, 2.1, "{\"count\":3}"), new SeriesPoint("position_nll", 12, 2.0)]);

    [Test]
    public void Open_EmptyFile_MigratesToLatestAndReopensWithoutChange()
    {
        using (var store = ResultStore.Open(Db)) Assert.That(store.SchemaVersion, Is.EqualTo(Schema.Latest));
        using (var again = ResultStore.Open(Db)) Assert.That(again.SchemaVersion, Is.EqualTo(Schema.Latest));
        Assert.That(Sql("PRAGMA journal_mode"), Is.EqualTo("wal"));
    }

    [Test]
    public void Open_NewerSchema_SaysUseNewerHarness()
    {
        using (ResultStore.Open(Db)) { }
        Sql("INSERT INTO schema_version VALUES (7)");
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
        Sql($"UPDATE runs SET owner = '{Environment.MachineName}:{int.MaxValue}' WHERE id = '{dead.Id}'"); // a process id no process has
        store.BeginRun("s", "s.yaml", "", Provenance);
        Assert.That(store.GetRun(dead.Id)!.Status, Is.EqualTo(RunStatus.Interrupted));
        Assert.That(store.PreviousRun(store.GetRun("latest")!.Id)!.Id, Is.EqualTo(dead.Id));
    }

    [Test]
    public void AbandonedRuns_OwnerGoneOrPidReused_ListsThemWithoutRewritingTheRows()
    {
        using var store = ResultStore.Open(Db);
        var live = store.BeginRun("s", "s.yaml", "", Provenance);
        var killed = store.BeginRun("t", "t.yaml", "", Provenance);
        var reused = store.BeginRun("u", "u.yaml", "", Provenance);
        Sql($"UPDATE runs SET owner = '{Environment.MachineName}:{int.MaxValue}@1' WHERE id = '{killed.Id}'");
        // This test's own pid, but a start time long before this process began: a reused pid is not the owner.
        Sql($"UPDATE runs SET owner = '{Environment.MachineName}:{Environment.ProcessId}@{new DateTime(2001, 1, 1).Ticks}' WHERE id = '{reused.Id}'");
        Assert.That(ResultStore.ThisProcess, Does.Contain("@"), "the owner records the process start time");
        Assert.That(store.AbandonedRuns(), Is.EquivalentTo(new[] { killed.Id, reused.Id }));
        Assert.That(store.ListRuns().Select(r => r.Status), Is.All.EqualTo(RunStatus.Running), "a listing never rewrites stored rows");
        Assert.That(live.Id, Is.Not.AnyOf(store.AbandonedRuns().ToArray()));
    }

    [Test]
    public void PreviousRun_WholeRunAfterShardRuns_IsThePreviousWholeRunNeverAShard()
    {
        using var store = ResultStore.Open(Db);
        var whole = store.BeginRun("s", "s.yaml", "", Provenance);
        var shard = store.BeginRun("s", "s.yaml", "", Provenance with { Shard = "1/2" });
        var later = store.BeginRun("s", "s.yaml", "", Provenance with { Shard = "1/2" });
        var candidate = store.BeginRun("s", "s.yaml", "", Provenance);
        Assert.That(store.PreviousRun(candidate.Id)!.Id, Is.EqualTo(whole.Id), "a whole run compares with the previous whole run");
        Assert.That(store.PreviousRun(later.Id)!.Id, Is.EqualTo(shard.Id), "a shard compares with the previous run of the same shard");
        Assert.That(store.PreviousRun(whole.Id), Is.Null);
    }

    [Test]
    public void FindLatestFailure_CaseFailedTwice_ReturnsTheNewerFailureNamingItsRun()
    {
        using var store = ResultStore.Open(Db);
        var first = store.BeginRun("s", "s.yaml", "", Provenance);
        store.SaveCase(first.Id, Case("h1", CaseStatus.Failed) with { Error = "old", EndedAt = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
        var second = store.BeginRun("s", "s.yaml", "", Provenance);
        store.SaveCase(second.Id, Case("h1", CaseStatus.Failed) with { Error = "new", EndedAt = new DateTime(2025, 1, 2, 0, 0, 0, DateTimeKind.Utc) });
        var found = store.FindLatestFailure("h1")!;
        Assert.That((found.Error, found.ReusedFromRun), Is.EqualTo(("new", second.Id)));
        Assert.That(store.FindLatestFailure("h2"), Is.Null);
    }

    [Test]
    public void BeginRun_WhileAnotherLiveProcessRunsTheSuite_LeavesItRunning()
    {
        using var store = ResultStore.Open(Db);
        var live = store.BeginRun("s", "s.yaml", "", Provenance); // owned by this test process, which is alive
        var remote = store.BeginRun("s", "s.yaml", "", Provenance);
        Sql($"UPDATE runs SET owner = 'other-host:1' WHERE id = '{remote.Id}'");
        store.BeginRun("s", "s.yaml", "", Provenance);
        Assert.That(store.GetRun(live.Id)!.Status, Is.EqualTo(RunStatus.Running));
        Assert.That(store.GetRun(remote.Id)!.Status, Is.EqualTo(RunStatus.Running), "another host's process cannot be seen from here");
    }

    [Test]
    public void SaveCase_CompletedThenFailed_KeepsTheFigure()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance);
        Assert.That(store.SaveCase(run.Id, Case("h1")), Is.True);
        Assert.That(store.SaveCase(run.Id, Case("h1", CaseStatus.Failed)), Is.False);
        Assert.That(store.LoadCases(run.Id).Single().Status, Is.EqualTo(CaseStatus.Completed));
    }

    [Test]
    public void SaveCase_NaNValues_RoundTripAsNaN()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance);
        var empty = Case("h1") with { Metrics = [new MetricValue("nll", double.NaN, 0, double.NaN)], Series = [new SeriesPoint("position_nll", 4, double.NaN)] };
        store.SaveCase(run.Id, empty);
        var loaded = store.LoadCases(run.Id).Single();
        Assert.That((loaded.Metrics.Single().Value, loaded.Metrics.Single().Sum, loaded.Series.Single().Y), Is.EqualTo((double.NaN, double.NaN, double.NaN)));
    }

    [Test]
    public void Open_AnotherProgramsSqliteFile_IsRefusedAndLeftUntouched()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Db)!);
        Sql("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')");
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Open(Db))!.Message, Does.Contain("not an eval result store"));
        Assert.That(Sql("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"), Is.EqualTo(1L));
    }

    [Test]
    public void Open_VersionOneStoreWithData_MigratesAndKeepsEveryFigure()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Db)!);
        Sql("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);" + Schema.Migrations[0] + """
            ;INSERT INTO runs (id, suite_name, suite_path, suite_text, started_at, status, provenance) VALUES ('r1', 's', 's.yaml', '', '2026-01-01T00:00:00Z', 'Running', '{}');
            INSERT INTO cases VALUES (1, 'r1', 'h1', 'n', 'm', 'fp', 'default', 256, 256, 'perplexity', '', 1, 'Completed', NULL,
                '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 1, 1, 1, NULL, NULL);
            INSERT INTO metrics VALUES (1, 'nll', 250, 100, 2.5), (1, 'ppl', 250, 100, 12.18);
            INSERT INTO series VALUES (1, 'position_nll', 4, 2.1, NULL);
            """);
        using var store = ResultStore.Open(Db);
        Assert.That(store.SchemaVersion, Is.EqualTo(Schema.Latest));
        var migrated = store.LoadCases("r1").Single();
        Assert.That(migrated.Metrics.Select(m => (m.Name, m.Value)), Is.EqualTo(new[] { ("nll", 2.5), ("ppl", 12.18) }));
        Assert.That(migrated.Series.Single().Y, Is.EqualTo(2.1));
        store.BeginRun("s", "s.yaml", "", Provenance);
        Assert.That(store.GetRun("r1")!.Status, Is.EqualTo(RunStatus.Interrupted), "a run from before owners were recorded counts as gone");
    }

    [Test]
    public void Open_VersionThreeStoreWithFigures_KeepsEveryFigureAndLoadsTheirErrorAsNotRecorded()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Db)!);
        Sql("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1), (2), (3);" + Schema.Migrations[0] + ";" + Schema.Migrations[1] + ";" + Schema.Migrations[2] + """
            ;INSERT INTO runs (id, suite_name, suite_path, suite_text, started_at, status, provenance, owner) VALUES ('r1', 's', 's.yaml', '', '2026-01-01T00:00:00Z', 'Completed', '{}', NULL);
            INSERT INTO cases VALUES (1, 'r1', 'h1', 'n', 'm', 'fp', 'default', 256, 256, 'perplexity', '', 1, 'Completed', NULL,
                '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 1, 1, 1, NULL, NULL);
            INSERT INTO metrics VALUES (1, 'nll', 250, 100, 2.5), (1, 'ppl', 250, 100, 12.18), (1, 'empty', NULL, 0, NULL);
            """);
        using var store = ResultStore.Open(Db);
        Assert.That(store.SchemaVersion, Is.EqualTo(Schema.Latest));
        var metrics = store.LoadCases("r1").Single().Metrics;
        Assert.That(metrics.Select(m => (m.Name, m.Sum, m.Count)), Is.EqualTo(new[] { ("nll", 250.0, 100L), ("ppl", 250.0, 100L), ("empty", double.NaN, 0L) }));
        Assert.That(metrics.Select(m => m.SumOfSquares), Has.All.Null, "not recorded, never a made-up zero");
        Assert.That(Eval.Core.Results.FigureText.Perplexity(metrics[1]), Is.EqualTo("12.180 (error not recorded)"));
    }

    [Test]
    public void SaveCase_SumOfSquares_RoundTripsAndNullStaysNotRecorded()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance);
        var withSquares = Case("h1") with { Metrics = [new MetricValue("ppl", 250, 100, Math.Exp(2.5), 640.25), new MetricValue("accuracy", 3, 5, 0.6)] };
        store.SaveCase(run.Id, withSquares);
        Assert.That(store.LoadCases(run.Id).Single().Metrics, Is.EqualTo(withSquares.Metrics));
    }

    [Test]
    public void Open_VersionTwoStoreWithARunFromBeforeThreads_MarksThreadsNotRecordedAndLoadsTheRun()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Db)!);
        var old = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Provenance))!.AsObject();
        old.Remove("Threads");
        Sql("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1), (2);" + Schema.Migrations[0] + ";" + Schema.Migrations[1] +
            $";INSERT INTO runs (id, suite_name, suite_path, suite_text, started_at, status, provenance) VALUES ('r1', 's', 's.yaml', '', '2026-01-01T00:00:00Z', 'Completed', '{old.ToJsonString()}');");
        using var store = ResultStore.Open(Db);
        Assert.That(store.SchemaVersion, Is.EqualTo(Schema.Latest));
        Assert.That(store.GetRun("r1")!.Provenance, Is.EqualTo(Provenance), "every other field as stored, Threads null");
        Assert.That(Sql("SELECT json_type(provenance, '$.Threads') FROM runs WHERE id = 'r1'"), Is.EqualTo("null"), "stored explicitly as not recorded");
    }

    [Test]
    public void BeginRun_ProvenanceWithThreads_RoundTrips()
    {
        using var store = ResultStore.Open(Db);
        var run = store.BeginRun("s", "s.yaml", "", Provenance with { Threads = 2 });
        Assert.That(store.GetRun(run.Id)!.Provenance.Threads, Is.EqualTo(2));
    }

    /// <summary>Runs SQL on the store file through a connection of its own, as another program would.</summary>
    object? Sql(string sql)
    {
        using var raw = new SqliteConnection($"Data Source={Db};Pooling=false");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
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
        Assert.That(Assert.Throws<StoreException>(() => ResultStore.Merge(merged, [a, merged]))!.Message, Does.Contain("is the merge output itself"));
    }

    /// <summary>
    /// One run in store a.db holding <paramref name="inA"/>, copied to b.db where the same case is saved again as
    /// <paramref name="inB"/> (the run retried elsewhere); merged.db is the merge output's path, not yet written.
    /// </summary>
    (string A, string B, string Merged, string RunId) OneRunInTwoStores(CaseResult inA, CaseResult inB)
    {
        string a = Path.Combine(folder, "a.db"), b = Path.Combine(folder, "b.db"), merged = Path.Combine(folder, "m.db");
        string runId;
        using (var store = ResultStore.Open(a))
        {
            runId = store.BeginRun("s", "s.yaml", "", Provenance).Id;
            store.SaveCase(runId, inA);
        }
        File.Copy(a, b);
        using (var store = ResultStore.Open(b)) store.SaveCase(runId, inB);
        return (a, b, merged, runId);
    }

    [Test]
    public void Merge_CompletedCaseFromAnotherInput_ReplacesAFailureButNeverTheReverse()
    {
        var (a, b, merged, runId) = OneRunInTwoStores(Case("h1", CaseStatus.Failed), Case("h1")); // retried to completion elsewhere
        ResultStore.Merge(merged, [a, b]);
        Assert.That(ResultStore.Merge(merged, [a, b]), Is.EqualTo((0, 0)), "a failure met again changes nothing");
        using var result = ResultStore.Open(merged);
        Assert.That(result.LoadCases(runId).Single().Status, Is.EqualTo(CaseStatus.Completed));
    }
}
