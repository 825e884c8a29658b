using Eval.Core.Running;
using Eval.Core.Results;
using System.CommandLine;
using System.Globalization;
using Eval.Cli.Running;
using Eval.Reporting;
using Eval.Storage;

namespace Eval.Cli.Commands;

/// <summary>`eval runs`, `eval show RUN` and `eval merge OUT IN...`: reading and combining stores.</summary>
public static class RunsCommand
{
    public static IEnumerable<Command> Create(TextWriter output)
    {
        yield return Runs(output);
        yield return Show(output);
        yield return Merge(output);
    }



    /// <summary>Names read from a database or a suite, made safe to print (<see cref="PrintableText"/>).</summary>
    private static string P(string? text) => PrintableText.Of(text);

    private static Command Runs(TextWriter output)
    {
        var db = SuiteArguments.DatabaseOption();
        var command = new Command("runs", "List the runs stored in a database.") { db };
        command.SetAction(parse =>
        {
            using var store = SuiteArguments.OpenExistingStore(parse.GetValue(db)!);
            output.WriteLine($"{"run",-22} {"suite",-16} {"status",-12} {"started (UTC)",-19} {"completed",9} {"failed",6}");
            // A run stored as Running whose process is gone from this host (SIGKILL, a crash) shows as abandoned; the
            // row itself is left as stored (a listing writes nothing) and becomes Interrupted when the suite next runs.
            var abandoned = store.AbandonedRuns();
            foreach (var run in store.ListRuns())
                output.WriteLine($"{P(run.Id),-22} {P(run.SuiteName),-16} {(abandoned.Contains(run.Id) ? "Abandoned" : run.Status.ToString()),-12} {run.StartedAt:yyyy-MM-dd HH:mm:ss} {run.CompletedCases,9} {run.FailedCases,6}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(TextWriter output)
    {
        var db = SuiteArguments.DatabaseOption();
        var run = new Argument<string>("RUN") { Description = "Run id, or latest.", DefaultValueFactory = _ => "latest" };
        var command = new Command("show", "Print a run's headline figures, one row per case.") { run, db };
        command.SetAction(parse =>
        {
            using var store = SuiteArguments.OpenExistingStore(parse.GetValue(db)!);
            string id = parse.GetValue(run)!;
            var info = store.GetRun(id) ?? throw new InvalidInputException($"No run \"{id}\" in {store.Path}. Runs: {string.Join(", ", store.ListRuns().Select(r => r.Id))}.");
            output.WriteLine($"run {P(info.Id)}  suite {P(info.SuiteName)}  {(store.AbandonedRuns().Contains(info.Id) ? "Abandoned" : info.Status.ToString())}  started {info.StartedAt:yyyy-MM-dd HH:mm:ss} UTC  git {info.Provenance.GitCommit?[..Math.Min(10, info.Provenance.GitCommit.Length)] ?? "-"}");
            output.WriteLine($"{"model",-12} {"strategy",-34} {"length",7} {"task",-11} {"headline",-40} {"status",-9} {"seconds",8}");
            foreach (var c in store.LoadCases(info.Id).OrderBy(c => c.Model).ThenBy(c => c.Task).ThenBy(c => c.Strategy, StringComparer.Ordinal).ThenBy(c => c.ContextLength))
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{P(c.Model.Replace("zoo:", "")),-12} {P(c.Strategy),-34} {c.ContextLength,7} {P(c.Task),-11} {P(SuiteRunner.Headline(c)),-40} {(c.ReusedFromRun is null ? c.Status.ToString() : "reused"),-9} {c.Seconds,8:F1}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Merge(TextWriter output)
    {
        var target = new Argument<string>("OUT") { Description = "Database to merge into (created if missing)." };
        var inputs = new Argument<string[]>("IN") { Description = "Databases to merge from.", Arity = ArgumentArity.OneOrMore };
        var suite = new Option<string?>("--suite")
        {
            Description = "After merging, record one run of this whole suite from the merged cases, computing nothing (exit code 1 when a case is missing or failed).",
        };
        var command = new Command("merge", "Combine result databases (e.g. shards) idempotently, keeping each run's provenance.") { target, inputs, suite };
        command.SetAction(parse =>
        {
            // The suite is checked before anything is written: a typo in --suite must not leave a half-done merge behind.
            var whole = parse.GetValue(suite) is string suitePath ? SuiteArguments.LoadOrThrow(suitePath) : null;
            string outPath = parse.GetValue(target)!;
            try
            {
                // A run still being written is merged as it stands; the user is told, so a half-merged shard is no surprise.
                var (runs, cases) = ResultStore.Merge(outPath, parse.GetValue(inputs)!, note => output.WriteLine("note: " + P(note)));
                output.WriteLine($"merged {runs} new runs and {cases} new cases into {P(outPath)}");
            }
            catch (StoreException e) { throw new InvalidInputException(e.Message); }
            if (whole is null) return ExitCodes.Ok;

            using var store = RunCommand.OpenStore(outPath);
            var assembled = new ShardAssembler(store, ModelSources.For(store.Path, retune: false), ProvenanceCollector.ForAssembly).Assemble(whole, "eval " + string.Join(" ", parse.Tokens.Select(t => t.Value)));
            foreach (string name in assembled.Missing) output.WriteLine($"  missing: {P(name)}");
            output.WriteLine($"run {assembled.RunId} of suite {P(whole.Name)}: {assembled.Completed} completed, {assembled.Failed} failed, {assembled.Missing.Count} missing" +
                             (assembled.Missing.Count > 0 ? " (resubmit the shards to compute them, or merge again after shards still running end)" : ""));
            return assembled.Failed > 0 || assembled.Missing.Count > 0 ? ExitCodes.CaseFailed : ExitCodes.Ok;
        });
        return command;
    }
}
