using Eval.Core.Running;
using System.CommandLine;
using Eval.Cli.Running;
using Eval.Core.Runtime;
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
        var jobs = new Option<int?>("--jobs") { Description = "Run as N worker processes on this machine, each with cores / N libtorch threads; workers take whole models (each tuned once) and one run is recorded (default 1)." };
        var threads = new Option<int?>("--threads") { Description = "libtorch CPU threads (default: libtorch's choice; with --jobs N, cores / N)." };
        var worker = new Option<string?>("--worker") { Description = "Internal: the claims folder of an `eval run --jobs` worker.", Hidden = true };
        var command = new Command("run", "Run a suite: every model x strategy x length x task case, stored in SQLite as it finishes.")
        {
            suite, db, force, shard, quiet, device, jobs, threads, worker,
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
            int jobCount = parse.GetValue(jobs) ?? 1;
            if (jobCount is < 1 or > MaxJobs) throw new InvalidInputException($"--jobs {jobCount} is not valid. Valid: 1 to {MaxJobs} worker processes.");
            if (parse.GetValue(threads) is int threadCount)
            {
                if (threadCount is < 1 or > MaxThreads) throw new InvalidInputException($"--threads {threadCount} is not valid. Valid: 1 to {MaxThreads}.");
                TorchSharp.torch.set_num_threads(threadCount);
            }
            if (parse.GetValue(worker) is null && loaded.Models.Any(m => m.DType == "bf16") && CpuFeatures.Bf16Warning("the suite's dtype") is string slow)
                output.WriteLine(slow);
            string commandLine = "eval " + string.Join(" ", parse.Tokens.Select(t => t.Value));
            using var store = OpenStore(parse.GetValue(db)!);
            if (jobCount > 1)
            {
                if (parse.GetValue(worker) is not null) throw new InvalidInputException("--jobs cannot be given to a worker (--worker).");
                var plan = new LocalJobs.Plan(parse.GetValue(suite)!, Path.GetFullPath(store.Path), jobCount, parse.GetValue(threads) ?? Math.Max(1, Environment.ProcessorCount / jobCount),
                    parse.GetValue(force), shardSpec, parse.GetValue(device), parse.GetValue(quiet));
                TorchSharp.torch.set_num_threads(plan.Threads); // what the recorded run's provenance states: each worker's threads
                return Task.FromResult(new LocalJobs(output).Run(plan, loaded, store, commandLine, cancel));
            }
            var claims = parse.GetValue(worker) is string folder ? new WorkerClaims(folder) : null;
            using var stop = claims?.StopToken(cancel, TimeSpan.FromSeconds(1));
            var options = new RunOptions(parse.GetValue(force), shardSpec, commandLine, claims is null ? null : claims.Claim);
            if (stop is not null) cancel = stop.Token;
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

            return Task.FromResult(Summarize(summary, store, output));
        });
        return command;
    }

    private const int MaxJobs = 64, MaxThreads = 1024;

    private static int Summarize(RunSummary summary, ResultStore store, TextWriter output)
    {
        output.WriteLine($"run {summary.RunId}: {summary.Computed} computed, {summary.Reused} reused, {summary.Failed} failed" +
                         (summary.Interrupted ? ", interrupted (run again to resume)" : "") + $"; results in {PrintableText.Of(store.Path)}");
        return summary.Failed > 0 || summary.Interrupted ? ExitCodes.CaseFailed : ExitCodes.Ok;
    }

    public static ResultStore OpenStore(string path)
    {
        try { return ResultStore.Open(path); }
        catch (StoreException e) { throw new InvalidInputException($"--db: {e.Message}"); }
    }
}
