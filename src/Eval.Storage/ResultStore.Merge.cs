using System.Text.Json;
using Eval.Core.Results;

namespace Eval.Storage;

public sealed partial class ResultStore
{
    /// <summary>
    /// Combines stores (shards of one suite, or machines' nightly runs) into <paramref name="outputPath"/>: runs by id,
    /// cases by (run, hash); a completed case replaces a failed one, never the reverse. Each input is merged in one
    /// transaction, so an interrupted merge leaves whole inputs. Merging the same input twice changes nothing.
    /// <para>
    /// A run still being written (another process's `eval run`, or one whose process died) is merged as it stands, with
    /// its owner, so OUT judges it as its source does: alive, it stays running; its process gone, it shows as abandoned.
    /// Merged again after it ends, its copy takes the later status and cases: a copy never stays behind its source.
    /// </para>
    /// </summary>
    /// <param name="note">Told, in a sentence, of each run merged while still marked running and of each copy brought up to date.</param>
    /// <returns>How many runs and cases were new to OUT.</returns>
    public static (int Runs, int Cases) Merge(string outputPath, IEnumerable<string> inputPaths, Action<string>? note = null)
    {
        var inputs = inputPaths.ToList();
        foreach (string input in inputs)
        {
            StorePath.RequireNotDangling(input);
            if (!File.Exists(input)) throw new StoreException($"{input}: no such database.");
            // Compared as files, not as spellings: OUT written through a link to an input would alter that input.
            if (StorePath.SameFile(input, outputPath) || System.IO.Path.GetFullPath(input) == System.IO.Path.GetFullPath(outputPath))
                throw new StoreException($"{input}: is the merge output itself ({outputPath}); name a new or another database as OUT.");
        }
        // Every input is checked (read-only) before OUT is created or touched: a refused input leaves no output behind.
        foreach (string input in inputs) Inspect(input);
        using var output = Open(outputPath);
        int runs = 0, cases = 0;
        foreach (string input in inputs)
        {
            using var source = OpenReadOnly(input);
            var (newRuns, newCases) = output.Writing(() => output.MergeFrom(source, input, note ?? (_ => { })));
            runs += newRuns;
            cases += newCases;
        }
        return (runs, cases);
    }

    /// <summary>One input's runs and cases, in one transaction.</summary>
    private (int Runs, int Cases) MergeFrom(ResultStore source, string input, Action<string> note)
    {
        int runs = 0, cases = 0;
        using var transaction = connection.BeginTransaction();
        foreach (var run in source.ListRuns())
        {
            string? owner = Scalar(source.connection, "SELECT owner FROM runs WHERE id = $id", null, ("$id", run.Id)) as string;
            if (run.Status == RunStatus.Running) note(StillRunning(run.Id, input, owner));
            var stored = Scalar(connection, "SELECT status FROM runs WHERE id = $id", transaction, ("$id", run.Id)) as string;
            if (stored is null)
            {
                Execute(connection, "INSERT INTO runs (id, suite_name, suite_path, suite_text, started_at, ended_at, status, provenance, owner) VALUES ($id, $n, $p, $t, $s, $e, $st, $pr, $o)", transaction,
                    ("$id", run.Id), ("$n", run.SuiteName), ("$p", run.SuitePath), ("$t", run.SuiteText), ("$s", Time(run.StartedAt)),
                    ("$e", run.EndedAt is { } e ? Time(e) : null), ("$st", run.Status.ToString()), ("$pr", JsonSerializer.Serialize(run.Provenance)), ("$o", owner));
                runs++;
            }
            else if (Progress(run.Status) > Progress(Enum.Parse<RunStatus>(stored)))
            {
                Execute(connection, "UPDATE runs SET status = $st, ended_at = $e WHERE id = $id", transaction,
                    ("$st", run.Status.ToString()), ("$e", run.EndedAt is { } e ? Time(e) : null), ("$id", run.Id));
                note($"run {run.Id}: now {run.Status} (was {stored}), as in {input}");
            }
            foreach (var result in source.LoadCases(run.Id))
                if (Replace(run.Id, result, transaction, failureReplacesFailure: false)) cases++;
        }
        transaction.Commit();
        return (runs, cases);
    }

    /// <summary>
    /// How far a run has got: a copy takes its source's status only when that is further on, so merging in any order,
    /// or again, gives the same result. An interrupted copy (OUT marked it while its source was still running elsewhere)
    /// gives way to the source's completion.
    /// </summary>
    private static int Progress(RunStatus status) => status switch
    {
        RunStatus.Running => 0,
        RunStatus.Interrupted => 1,
        RunStatus.Failed => 2,
        _ => 3,
    };

    private static string StillRunning(string runId, string input, string? owner)
    {
        if (owner is null)
            return $"run {runId} in {input} is still marked running (its process was not recorded): merged as it stands.";
        string who = Owner(owner);
        return IsDeadLocalProcess(owner)
            ? $"run {runId} in {input} is marked running but its process ({who}) is gone: merged as it stands, shown as abandoned."
            : $"run {runId} in {input} is still running ({who}): merged as it stands; merge again after it ends to bring in the rest.";
    }

    /// <summary>"pid P on host H" from an owner stored as host:pid@start-ticks.</summary>
    private static string Owner(string owner)
    {
        int colon = owner.LastIndexOf(':');
        return colon < 0 ? owner : $"pid {owner[(colon + 1)..].Split('@')[0]} on host {owner[..colon]}";
    }
}
