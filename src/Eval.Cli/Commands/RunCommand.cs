using Eval.Core.Running;
using System.CommandLine;
using Eval.Cli.Running;
using Eval.Core.Suites;
using Eval.Reporting;
using Eval.Storage;
using Spectre.Console;

namespace Eval.Cli.Commands;

/// <summary>`eval run SUITE`: computes every case not yet stored, resumable, fail-soft, with progress.</summary>
public static class RunCommand
{
    public static Command Create(TextWriter output)
    {
        var suite = new Argument<string>("SUITE") { Description = "Suite file (YAML), e.g. suites/quick.yaml." };
        var db = SuiteArguments.DatabaseOption();
        var force = new Option<bool>("--force") { Description = "Recompute cases already stored, and retrain tuned models." };
        var shard = new Option<string?>("--shard") { Description = "Run only shard i of n (i/n), e.g. 2/4." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only failures and the summary." };
        var device = new Option<string?>("--device") { Description = "cpu or cuda: overrides the suite's device." };
        var command = new Command("run", "Run a suite: every model x strategy x length x task case, stored in SQLite as it finishes.")
        {
            suite, db, force, shard, quiet, device,
        };
        command.SetAction((parse, cancel) =>
        {
            var loaded = SuiteArguments.LoadOrThrow(parse.GetValue(suite)!);
            if (parse.GetValue(device) is string chosen)
                loaded = chosen is "cpu" or "cuda" ? loaded with { Device = chosen }
                    : throw new InvalidInputException($"--device \"{chosen}\" is not valid. Valid: cpu, cuda.");
            ShardSpec? shardSpec = null;
            if (parse.GetValue(shard) is string text)
            {
                try { shardSpec = ShardSpec.Parse(text); }
                catch (FormatException e) { throw new InvalidInputException($"--shard: {e.Message}"); }
            }
            var options = new RunOptions(parse.GetValue(force), shardSpec, "eval " + string.Join(" ", parse.Tokens.Select(t => t.Value)));
            using var store = OpenStore(parse.GetValue(db)!);
            // --force recomputes everything: tuned models are retrained too.
            var models = ModelSources.For(store.Path, parse.GetValue(force));
            bool live = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && !parse.GetValue(quiet);
            RunSummary summary;
            if (live)
            {
                summary = null!;
                AnsiConsole.Progress().AutoClear(false).HideCompleted(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(context => summary = new SuiteRunner(store, new SpectreRunReporter(AnsiConsole.Console, context, false), models, ProvenanceCollector.ForRun).Run(loaded, options, cancel));
            }
            else summary = new SuiteRunner(store, new PlainRunReporter(output, parse.GetValue(quiet)), models, ProvenanceCollector.ForRun).Run(loaded, options, cancel);

            output.WriteLine($"run {summary.RunId}: {summary.Computed} computed, {summary.Reused} reused, {summary.Failed} failed" +
                             (summary.Interrupted ? ", interrupted (run again to resume)" : "") + $"; results in {PrintableText.Of(store.Path)}");
            return Task.FromResult(summary.Failed > 0 || summary.Interrupted ? ExitCodes.CaseFailed : ExitCodes.Ok);
        });
        return command;
    }

    public static ResultStore OpenStore(string path)
    {
        try { return ResultStore.Open(path); }
        catch (StoreException e) { throw new InvalidInputException($"--db: {e.Message}"); }
    }
}
