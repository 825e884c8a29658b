using Eval.Core.Results;
using Eval.Storage;
using Eval.Tests.Fakes;

namespace Eval.Tests.Storage;

/// <summary>
/// A store on a disk that fills up: on a real full file system (a small tmpfs, see <see cref="FullDisk"/>) SQLite fails with
/// SQLITE_FULL or, when creating its -wal/-shm files, SQLITE_IOERR; either must name the file and say the disk is full,
/// and every figure stored before stays readable once space is freed.
/// </summary>
public partial class ResultStoreTests
{
    [Test]
    public void Open_ExistingStoreOnAFullDisk_NamesTheFileSaysFullAndKeepsItsRuns()
    {
        using var disk = FullDisk.Mount();
        string db = Path.Combine(disk.Root, "eval.db");
        string runId;
        using (var store = ResultStore.Open(db))
        {
            runId = store.BeginRun("s", "s.yaml", "", Provenance).Id;
            store.SaveCase(runId, Case("h1"));
        }
        disk.Fill();
        var refused = Assert.Throws<StoreException>(() => ResultStore.Open(db).Dispose())!;
        Assert.That(refused.Message, Does.StartWith(db + ": ").And.Contain("disk is full").And.Not.Contain("Error 10"));
        disk.Free();
        using var again = ResultStore.OpenReadOnly(db);
        Assert.That(again.LoadCases(runId).Single().CaseHash, Is.EqualTo("h1"));
    }

    [Test]
    public void Open_NewStoreOnAFullDisk_NamesTheFileAndSaysFull()
    {
        using var disk = FullDisk.Mount();
        disk.Fill();
        string db = Path.Combine(disk.Root, "eval.db");
        var refused = Assert.Throws<StoreException>(() => ResultStore.Open(db).Dispose())!;
        Assert.That(refused.Message, Does.StartWith(db + ": ").And.Contain("disk is full"));
    }

    [Test]
    public void SaveCase_DiskFillsUpMidRun_NamesTheFileSaysFullAndKeepsEarlierCases()
    {
        using var disk = FullDisk.Mount();
        string db = Path.Combine(disk.Root, "eval.db");
        string runId;
        using (var store = ResultStore.Open(db))
        {
            runId = store.BeginRun("s", "s.yaml", "", Provenance).Id;
            store.SaveCase(runId, Case("h1"));
            disk.Fill();
            // Enough series points that the case cannot fit in the pages SQLite already holds.
            var big = Case("h2") with { Series = Enumerable.Range(0, 20000).Select(i => new SeriesPoint("position_nll", i, 2.0, "{\"count\":3}")).ToList() };
            var refused = Assert.Throws<StoreException>(() => store.SaveCase(runId, big))!;
            Assert.That(refused.Message, Does.StartWith(db + ": ").And.Contain("disk is full"));
        }
        disk.Free();
        using var again = ResultStore.OpenReadOnly(db);
        Assert.That(again.LoadCases(runId).Select(c => c.CaseHash), Is.EqualTo(new[] { "h1" }));
    }
}
