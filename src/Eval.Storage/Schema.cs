namespace Eval.Storage;

/// <summary>
/// The store's schema as ordered migrations. A database records the version it has reached; opening it applies
/// the missing migrations in one transaction. Never edit a shipped migration: add the next one.
/// </summary>
internal static class Schema
{
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            suite_name TEXT NOT NULL,
            suite_path TEXT NOT NULL,
            suite_text TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            status TEXT NOT NULL,
            provenance TEXT NOT NULL
        );
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs(id),
            case_hash TEXT NOT NULL,
            display_name TEXT NOT NULL,
            model TEXT NOT NULL,
            model_fingerprint TEXT NOT NULL,
            strategy TEXT NOT NULL,
            context_length INTEGER NOT NULL,
            trained_length INTEGER NOT NULL,
            task TEXT NOT NULL,
            task_params TEXT NOT NULL,
            seed INTEGER NOT NULL,
            status TEXT NOT NULL,
            error TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT NOT NULL,
            seconds REAL NOT NULL,
            tokens_per_second REAL NOT NULL,
            peak_memory_bytes INTEGER NOT NULL,
            protocol TEXT,
            reused_from_run TEXT,
            UNIQUE (run_id, case_hash)
        );
        CREATE INDEX cases_by_hash ON cases(case_hash, status);
        CREATE TABLE metrics (
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            sum REAL NOT NULL,
            count INTEGER NOT NULL,
            value REAL NOT NULL
        );
        CREATE INDEX metrics_by_case ON metrics(case_id);
        CREATE TABLE series (
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            x REAL NOT NULL,
            y REAL NOT NULL,
            extra TEXT
        );
        CREATE INDEX series_by_case ON series(case_id);
        """,
        // 2: runs record their owner (host:pid) so a new run marks only dead runs interrupted; metric and series values
        // may be NULL, which stands for NaN (SQLite cannot store NaN; an empty position bucket has no mean).
        """
        ALTER TABLE runs ADD COLUMN owner TEXT;
        CREATE TABLE metrics_v2 (
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            sum REAL,
            count INTEGER NOT NULL,
            value REAL
        );
        INSERT INTO metrics_v2 SELECT case_id, name, sum, count, value FROM metrics ORDER BY rowid;
        DROP TABLE metrics;
        ALTER TABLE metrics_v2 RENAME TO metrics;
        CREATE INDEX metrics_by_case ON metrics(case_id);
        CREATE TABLE series_v2 (
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            x REAL NOT NULL,
            y REAL,
            extra TEXT
        );
        INSERT INTO series_v2 SELECT case_id, name, x, y, extra FROM series ORDER BY rowid;
        DROP TABLE series;
        ALTER TABLE series_v2 RENAME TO series;
        CREATE INDEX series_by_case ON series(case_id);
        """,
        // 3: provenance records libtorch's CPU thread count (Threads). Runs stored before it get an explicit null, "not
        // recorded", so every stored provenance has the same fields for readers that query the JSON directly.
        """
        UPDATE runs SET provenance = json_set(provenance, '$.Threads', json('null'))
            WHERE json_valid(provenance) AND json_type(provenance, '$.Threads') IS NULL;
        """,
        // 4: metrics record the sum of squared token NLLs beside their sum, so perplexity carries its standard error.
        // Figures stored before it keep every stored value and read NULL here: error not recorded.
        """
        ALTER TABLE metrics ADD COLUMN sum_squares REAL;
        """,
    ];

    public static int Latest => Migrations.Length;
}
