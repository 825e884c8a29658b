using System.Globalization;
using System.Text.Json;
using Eval.Core.Results;
using Microsoft.Data.Sqlite;

namespace Eval.Storage;

/// <summary>
/// The SQLite result store. WAL mode and a busy timeout let a report read while a run writes; every case is saved
/// in one transaction with its metrics and series, so a crash loses at most the case in flight.
/// </summary>
public sealed partial class ResultStore : IDisposable, Eval.Core.Running.ICaseStore
{
    private readonly SqliteConnection connection;

    private ResultStore(string path, SqliteConnection connection) => (Path, this.connection) = (path, connection);

    public string Path { get; }

    public static ResultStore Open(string path)
    {
        // Another program's SQLite file (or a newer store) is refused before anything is written: switching it to WAL
        // mode or migrating it would alter a file that is not ours.
        StorePath.RequireNotDangling(path);
        if (File.Exists(path))
        {
            Inspect(path);
            RequireWritable(path);
        }
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;");
            Migrate(connection, path);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StoreException(WriteFailure.Describe(path, e) ?? $"{path}: cannot open as a result store ({e.Message}).");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return new ResultStore(path, connection);
    }

    /// <summary>
    /// Opens an existing file read-only and returns its schema version (0 for an empty file), throwing
    /// <see cref="StoreException"/> for a file that is not a result store, a newer store, or not SQLite at all. Writes nothing.
    /// </summary>
    public static long Inspect(string path)
    {
        using var connection = ReadOnlyConnection(path);
        try { return SchemaVersionOf(connection, path); }
        catch (SqliteException e) { throw new StoreException($"{path}: cannot open as a result store ({e.Message})."); }
    }

    /// <summary>
    /// An existing store opened read-only (Mode=ReadOnly) for the reading verbs (runs, show, report, compare), so a
    /// store in a read-only folder or a read-only file can be listed. A store of an older schema is migrated first
    /// through <see cref="Open"/>, as before; an up-to-date one is never written.
    /// </summary>
    public static ResultStore OpenReadOnly(string path)
    {
        StorePath.RequireNotDangling(path);
        if (!File.Exists(path)) throw new StoreException($"{path}: no such database.");
        if (Inspect(path) < Schema.Latest) return Open(path);
        var connection = ReadOnlyConnection(path);
        return new ResultStore(path, connection);
    }

    /// <summary>
    /// A read-only connection with the busy timeout set. A WAL store in a folder where its -shm file cannot be created
    /// (a read-only folder) is opened as immutable instead, which SQLite reads without a -shm file. So is one on a full disk,
    /// where creating the -shm file fails with a disk I/O error, when it has no write-ahead log to read (immutable would miss it).
    /// </summary>
    private static SqliteConnection ReadOnlyConnection(string path)
    {
        foreach (string source in new[] { path, new Uri(System.IO.Path.GetFullPath(path)).AbsoluteUri + "?immutable=1" })
        {
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            try
            {
                connection.Open();
                Execute(connection, "PRAGMA busy_timeout=10000;");
                // The first read is what fails for a WAL store without its -shm file.
                Scalar(connection, "SELECT COUNT(*) FROM sqlite_master");
                return connection;
            }
            catch (SqliteException e) when (source == path && (e.SqliteErrorCode == 14 || (e.SqliteErrorCode & 0xFF) == 10 && !HasWriteAheadLog(path)))
            {
                connection.Dispose(); // SQLITE_CANTOPEN or SQLITE_IOERR: try immutable
            }
            catch (SqliteException e)
            {
                connection.Dispose();
                throw new StoreException(WriteFailure.Describe(path, e) ?? $"{path}: cannot open as a result store ({e.Message}).");
            }
        }
        throw new StoreException($"{path}: cannot be opened read-only.");
    }

    private static bool HasWriteAheadLog(string path) => new FileInfo(path + "-wal") is { Exists: true, Length: > 0 };

    /// <summary>A store `eval run` or `eval merge` writes to must be writable: a read-only file is exit 2 with this message, not a failure mid-run.</summary>
    private static void RequireWritable(string path)
    {
        try { using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new StoreException($"{path}: the database cannot be written ({e.Message}); results are stored there, so make it writable or choose another --db.");
        }
    }

    private static void Migrate(SqliteConnection connection, string path)
    {
        // Reads first: opening an up-to-date store writes nothing, so it never waits for a writer (a report during a run).
        long version = SchemaVersionOf(connection, path);
        if (version == Schema.Latest) return;
        // BEGIN IMMEDIATE takes the write lock before reading again: of two processes opening a new store at once,
        // the second sees the first one's migrations instead of applying them twice.
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", transaction);
        version = Convert.ToInt64(Scalar(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version", transaction), CultureInfo.InvariantCulture);
        for (long v = version; v < Schema.Latest; v++)
        {
            Execute(connection, Schema.Migrations[v], transaction);
            Execute(connection, $"INSERT INTO schema_version (version) VALUES ({v + 1})", transaction);
        }
        transaction.Commit();
    }

    /// <summary>The store's schema version; 0 for an empty file. Another program's SQLite file is refused, never altered.</summary>
    private static long SchemaVersionOf(SqliteConnection connection, string path)
    {
        long tables = Convert.ToInt64(Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"), CultureInfo.InvariantCulture);
        bool versioned = Convert.ToInt64(Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_version'"), CultureInfo.InvariantCulture) > 0;
        if (tables > 0 && !versioned)
            throw new StoreException($"{path}: this SQLite file is not an eval result store (it has tables but no schema_version); choose another --db.");
        long version = versioned ? Convert.ToInt64(Scalar(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version"), CultureInfo.InvariantCulture) : 0;
        if (version > Schema.Latest)
            throw new StoreException($"{path}: schema version {version} is newer than this harness understands ({Schema.Latest}). Use a newer harness.");
        return version;
    }

    public int SchemaVersion => Convert.ToInt32(Scalar(connection, "SELECT MAX(version) FROM schema_version"), CultureInfo.InvariantCulture);

    public RunInfo BeginRun(string suiteName, string suitePath, string suiteText, Provenance provenance) => Writing(() =>
    {
        MarkStaleRunsInterrupted(suiteName);
        var started = DateTime.UtcNow;
        string id = $"{started:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..4]}";
        Execute(connection, "INSERT INTO runs (id, suite_name, suite_path, suite_text, started_at, status, provenance, owner) VALUES ($id, $n, $p, $t, $s, $st, $pr, $o)", null,
            ("$id", id), ("$n", suiteName), ("$p", suitePath), ("$t", suiteText), ("$s", Time(started)), ("$st", RunStatus.Running.ToString()),
            ("$pr", JsonSerializer.Serialize(provenance)), ("$o", ThisProcess));
        return new RunInfo(id, suiteName, suitePath, suiteText, started, null, RunStatus.Running, provenance);
    });

    public void EndRun(string runId, RunStatus status) => Writing(() =>
        Execute(connection, "UPDATE runs SET ended_at = $e, status = $s WHERE id = $id", null, ("$e", Time(DateTime.UtcNow)), ("$s", status.ToString()), ("$id", runId)));

    /// <summary>A write whose failure for want of disk space is a <see cref="StoreException"/> naming this store (see <see cref="WriteFailure"/>).</summary>
    private T Writing<T>(Func<T> write)
    {
        try { return write(); }
        catch (SqliteException e) when (WriteFailure.Describe(Path, e) is string message) { throw new StoreException(message); }
    }

    /// <summary>
    /// This process as a run owner: host, process id and the process's start time (UTC ticks), so a pid reused by a
    /// later process is not taken for the run's owner. Kept in the existing owner column (schema 2): no migration.
    /// </summary>
    public static string ThisProcess { get; } = $"{Environment.MachineName}:{Environment.ProcessId}@{StartTicks(System.Diagnostics.Process.GetCurrentProcess())}";

    private static long StartTicks(System.Diagnostics.Process process)
    {
        try { return process.StartTime.ToUniversalTime().Ticks; }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { return 0; }
    }

    /// <summary>
    /// Runs of a suite still marked running whose process is gone become interrupted. A run owned by a live process
    /// (another `eval run` of the same suite, on this host) is left alone; so is a run of another host, whose process
    /// this one cannot see. Runs from before owners were recorded count as gone.
    /// </summary>
    public int MarkStaleRunsInterrupted(string suiteName)
    {
        var stale = new List<string>();
        using (var command = Command("SELECT id, owner FROM runs WHERE status = $r AND suite_name = $n", ("$r", RunStatus.Running.ToString()), ("$n", suiteName)))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                if (reader.IsDBNull(1) || IsDeadLocalProcess(reader.GetString(1))) stale.Add(reader.GetString(0));
        foreach (string id in stale)
            Execute(connection, "UPDATE runs SET status = $i, ended_at = COALESCE(ended_at, $e) WHERE id = $id", null,
                ("$i", RunStatus.Interrupted.ToString()), ("$e", Time(DateTime.UtcNow)), ("$id", id));
        return stale.Count;
    }

    /// <summary>
    /// Ids of runs stored as running whose owner process is gone from this host (killed, or the machine restarted):
    /// what a listing shows as abandoned. Reads only; the rows change when the suite next runs.
    /// </summary>
    public IReadOnlySet<string> AbandonedRuns()
    {
        var gone = new HashSet<string>(StringComparer.Ordinal);
        using var command = Command("SELECT id, owner FROM runs WHERE status = $r", ("$r", RunStatus.Running.ToString()));
        using var reader = command.ExecuteReader();
        while (reader.Read())
            if (!reader.IsDBNull(1) && IsDeadLocalProcess(reader.GetString(1))) gone.Add(reader.GetString(0));
        return gone;
    }

    /// <summary>True when the owner (host:pid or host:pid@start-ticks) was on this host and that process no longer runs.</summary>
    public static bool IsDeadLocalProcess(string owner)
    {
        int colon = owner.LastIndexOf(':');
        if (colon < 0 || owner[..colon] != Environment.MachineName) return false;
        string[] parts = owner[(colon + 1)..].Split('@');
        if (!int.TryParse(parts[0], CultureInfo.InvariantCulture, out int pid)) return false;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            if (process.HasExited) return true;
            // Same pid, later start: the pid was reused by another process; the owner is gone. (Start times are read
            // from /proc in clock ticks: allow a second either way.)
            return parts.Length > 1 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out long ticks) && ticks > 0
                && StartTicks(process) is long now && now > 0 && Math.Abs(now - ticks) > TimeSpan.TicksPerSecond;
        }
        catch (ArgumentException) { return true; } // no process with that id
    }

    /// <summary>True when some run of this database completed the case (same content hash).</summary>
    public bool IsCaseComplete(string caseHash) => FindCompleted(caseHash) is not null;

    /// <summary>
    /// The earliest completed result of a case in any run, with <see cref="CaseResult.ReusedFromRun"/> naming the run that
    /// computed it, ready to be recorded under another run.
    /// </summary>
    public CaseResult? FindCompleted(string caseHash)
    {
        using var command = Command("SELECT id, run_id FROM cases WHERE case_hash = $h AND status = $s ORDER BY id LIMIT 1", ("$h", caseHash), ("$s", CaseStatus.Completed.ToString()));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        long rowId = reader.GetInt64(0);
        string runId = reader.GetString(1);
        var found = LoadCaseRows($"WHERE c.id = {rowId}").Single();
        return found with { ReusedFromRun = found.ReusedFromRun ?? runId };
    }

    /// <summary>The newest failed attempt of a case in any run, for a case no run completed (its error stays visible).</summary>
    public CaseResult? FindLatestFailure(string caseHash)
    {
        long rowId;
        string runId;
        using (var command = Command("SELECT id, run_id FROM cases WHERE case_hash = $h AND status = $s ORDER BY ended_at DESC, id DESC LIMIT 1",
                   ("$h", caseHash), ("$s", CaseStatus.Failed.ToString())))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read()) return null;
            (rowId, runId) = (reader.GetInt64(0), reader.GetString(1));
        }
        var found = LoadCaseRows($"WHERE c.id = {rowId}").Single();
        return found with { ReusedFromRun = found.ReusedFromRun ?? runId };
    }

    /// <summary>
    /// Saves a case with all its figures atomically. An earlier failed attempt of the same case in this run is replaced;
    /// a completed one is kept (a figure once stored is never lost), and then false is returned.
    /// </summary>
    public bool SaveCase(string runId, CaseResult result) => Writing(() =>
    {
        using var transaction = connection.BeginTransaction();
        bool saved = Replace(runId, result, transaction);
        transaction.Commit();
        return saved;
    });

    /// <summary>
    /// Inserts the case unless this run already has it completed; a stored failure gives way to a completed result,
    /// and to another failure only when <paramref name="failureReplacesFailure"/> (a retry's newer error; not in a merge,
    /// which must change nothing when repeated).
    /// </summary>
    private bool Replace(string runId, CaseResult result, SqliteTransaction transaction, bool failureReplacesFailure = true)
    {
        var stored = Scalar(connection, "SELECT status FROM cases WHERE run_id = $r AND case_hash = $h", transaction, ("$r", runId), ("$h", result.CaseHash)) as string;
        if (stored == CaseStatus.Completed.ToString()) return false;
        if (stored is not null && result.Status != CaseStatus.Completed && !failureReplacesFailure) return false;
        if (stored is not null) Execute(connection, "DELETE FROM cases WHERE run_id = $r AND case_hash = $h", transaction, ("$r", runId), ("$h", result.CaseHash));
        InsertCase(runId, result, transaction);
        return true;
    }

    private void InsertCase(string runId, CaseResult r, SqliteTransaction transaction)
    {
        using var insert = Command("""
            INSERT INTO cases (run_id, case_hash, display_name, model, model_fingerprint, strategy, context_length, trained_length, task, task_params, seed,
                status, error, started_at, ended_at, seconds, tokens_per_second, peak_memory_bytes, protocol, reused_from_run)
            VALUES ($run, $hash, $name, $model, $fp, $strategy, $length, $trained, $task, $params, $seed, $status, $error, $start, $end, $sec, $tps, $mem, $protocol, $reused);
            SELECT last_insert_rowid();
            """, ("$run", runId), ("$hash", r.CaseHash), ("$name", r.DisplayName), ("$model", r.Model), ("$fp", r.ModelFingerprint),
            ("$strategy", r.Strategy), ("$length", r.ContextLength), ("$trained", r.TrainedLength), ("$task", r.Task), ("$params", r.TaskParameters), ("$seed", r.Seed),
            ("$status", r.Status.ToString()), ("$error", r.Error), ("$start", Time(r.StartedAt)), ("$end", Time(r.EndedAt)), ("$sec", r.Seconds),
            ("$tps", r.TokensPerSecond), ("$mem", r.PeakMemoryBytes), ("$protocol", r.Protocol), ("$reused", r.ReusedFromRun));
        insert.Transaction = transaction;
        long caseId = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);

        using var metric = Command("INSERT INTO metrics (case_id, name, sum, count, value, sum_squares) VALUES ($c, $n, $s, $k, $v, $q)");
        metric.Transaction = transaction;
        foreach (var m in r.Metrics)
        {
            Bind(metric, ("$c", caseId), ("$n", m.Name), ("$s", Real(m.Sum)), ("$k", m.Count), ("$v", Real(m.Value)), ("$q", m.SumOfSquares is double q ? Real(q) : null));
            metric.ExecuteNonQuery();
        }
        using var series = Command("INSERT INTO series (case_id, name, x, y, extra) VALUES ($c, $n, $x, $y, $e)");
        series.Transaction = transaction;
        foreach (var p in r.Series)
        {
            Bind(series, ("$c", caseId), ("$n", p.Series), ("$x", p.X), ("$y", Real(p.Y)), ("$e", p.ExtraJson));
            series.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<RunInfo> ListRuns() => LoadRuns("ORDER BY r.started_at, r.id");

    /// <summary>A run by id, or the newest with "latest".</summary>
    public RunInfo? GetRun(string idOrLatest) => idOrLatest == "latest"
        ? LoadRuns("ORDER BY r.started_at DESC, r.id DESC LIMIT 1").FirstOrDefault()
        : LoadRuns("WHERE r.id = $id", ("$id", idOrLatest)).FirstOrDefault();

    /// <summary>
    /// The newest run of the same suite and the same shard that started before this one. Like is compared with like: a
    /// whole run's previous run is never one shard's slice (a merged cluster database holds both), nor the reverse.
    /// </summary>
    public RunInfo? PreviousRun(string runId)
    {
        var run = GetRun(runId);
        return run is null ? null : LoadRuns("""
            WHERE r.suite_name = $n AND (r.started_at < $s OR (r.started_at = $s AND r.id < $id))
                AND json_extract(r.provenance, '$.Shard') IS $shard
            ORDER BY r.started_at DESC, r.id DESC LIMIT 1
            """, ("$n", run.SuiteName), ("$s", Time(run.StartedAt)), ("$id", run.Id), ("$shard", run.Provenance.Shard)).FirstOrDefault();
    }

    public IReadOnlyList<CaseResult> LoadCases(string runId) => LoadCaseRows("WHERE c.run_id = $r ORDER BY c.id", ("$r", runId));

    private List<RunInfo> LoadRuns(string tail, params (string, object?)[] parameters)
    {
        using var command = Command($"""
            SELECT r.id, r.suite_name, r.suite_path, r.suite_text, r.started_at, r.ended_at, r.status, r.provenance,
                (SELECT COUNT(*) FROM cases c WHERE c.run_id = r.id AND c.status = 'Completed'),
                (SELECT COUNT(*) FROM cases c WHERE c.run_id = r.id AND c.status = 'Failed')
            FROM runs r {tail}
            """, parameters);
        using var reader = command.ExecuteReader();
        var runs = new List<RunInfo>();
        while (reader.Read())
            runs.Add(new RunInfo(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), ParseTime(reader.GetString(4)),
                reader.IsDBNull(5) ? null : ParseTime(reader.GetString(5)), Enum.Parse<RunStatus>(reader.GetString(6)),
                JsonSerializer.Deserialize<Provenance>(reader.GetString(7))!, reader.GetInt32(8), reader.GetInt32(9)));
        return runs;
    }

    private List<CaseResult> LoadCaseRows(string tail, params (string, object?)[] parameters)
    {
        var rows = new List<(long Id, CaseResult Case)>();
        using (var command = Command($"""
            SELECT c.id, c.case_hash, c.display_name, c.model, c.model_fingerprint, c.strategy, c.context_length, c.trained_length, c.task, c.task_params, c.seed,
                c.status, c.error, c.started_at, c.ended_at, c.seconds, c.tokens_per_second, c.peak_memory_bytes, c.protocol, c.reused_from_run
            FROM cases c {tail}
            """, parameters))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                rows.Add((reader.GetInt64(0), new CaseResult(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetString(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetString(8), reader.GetString(9), reader.GetInt32(10),
                    Enum.Parse<CaseStatus>(reader.GetString(11)), reader.IsDBNull(12) ? null : reader.GetString(12), ParseTime(reader.GetString(13)),
                    ParseTime(reader.GetString(14)), reader.GetDouble(15), reader.GetDouble(16), reader.GetInt64(17),
                    reader.IsDBNull(18) ? null : reader.GetString(18), [], [], reader.IsDBNull(19) ? null : reader.GetString(19))));
        return rows.Select(row => row.Case with { Metrics = LoadMetrics(row.Id), Series = LoadSeries(row.Id) }).ToList();
    }

    private List<MetricValue> LoadMetrics(long caseId)
    {
        using var command = Command("SELECT name, sum, count, value, sum_squares FROM metrics WHERE case_id = $c ORDER BY rowid", ("$c", caseId));
        using var reader = command.ExecuteReader();
        var metrics = new List<MetricValue>();
        // A NULL sum_squares is "not recorded" (a figure stored before schema 4), not NaN.
        while (reader.Read())
            metrics.Add(new MetricValue(reader.GetString(0), RealAt(reader, 1), reader.GetInt64(2), RealAt(reader, 3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
        return metrics;
    }

    private List<SeriesPoint> LoadSeries(long caseId)
    {
        using var command = Command("SELECT name, x, y, extra FROM series WHERE case_id = $c ORDER BY rowid", ("$c", caseId));
        using var reader = command.ExecuteReader();
        var points = new List<SeriesPoint>();
        while (reader.Read()) points.Add(new SeriesPoint(reader.GetString(0), reader.GetDouble(1), RealAt(reader, 2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        return points;
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Bind(command, parameters);
        return command;
    }

    private static void Bind(SqliteCommand command, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (command.Parameters.Contains(name)) command.Parameters[name].Value = value ?? DBNull.Value;
            else command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    private static int Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        Bind(command, parameters);
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        Bind(command, parameters);
        return command.ExecuteScalar();
    }

    /// <summary>NaN as NULL: SQLite has no NaN.</summary>
    private static object? Real(double value) => double.IsNaN(value) ? null : value;
    private static double RealAt(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? double.NaN : reader.GetDouble(column);

    private static string Time(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
    private static DateTime ParseTime(string s) => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public void Dispose() => connection.Dispose();
}
