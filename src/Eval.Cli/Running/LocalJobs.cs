using System.Diagnostics;
using System.Globalization;
using Eval.Core.Running;
using Eval.Core.Suites;
using Eval.Reporting;
using Eval.Storage;

namespace Eval.Cli.Running;

/// <summary>
/// `eval run --jobs N`: the suite as N worker processes on this machine, each with cores / N libtorch threads, then one
/// run recorded from what they stored. Why processes: training and scoring the zoo's small models scale poorly past one
/// thread (a PI tuning at 1024 runs 1.34x faster on 2 threads than on 1, measured here), so two single-thread processes
/// do nearly twice the work of one with two threads. Workers claim whole models (WorkerClaims), so each model is loaded
/// and tuned once; they write to the same database (SQLite WAL, one transaction per case).
/// </summary>
public sealed class LocalJobs(TextWriter output)
{
    private readonly object gate = new(); // workers' lines arrive on their own threads: one line at a time

    public sealed record Plan(string SuitePath, string Database, int Jobs, int Threads, bool Force, ShardSpec? Shard, string? Device, bool Quiet);

    /// <summary>Runs the workers to the end (or until <paramref name="cancel"/>), then records one run of every case they stored;
    /// exit code 1 when a case failed, is missing, or the run was interrupted.</summary>
    public int Run(Plan plan, Suite suite, ResultStore store, string commandLine, CancellationToken cancel)
    {
        string folder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(store.Path))!, ".jobs", $"{Environment.ProcessId}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, WorkerClaims.ParentFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var workers = new List<Process>();
        try
        {
            for (int i = 1; i <= plan.Jobs; i++) workers.Add(Start(plan, folder, i));
            output.WriteLine($"{plan.Jobs} workers, {plan.Threads} libtorch thread(s) each: pids {string.Join(", ", workers.Select(w => w.Id))}");
            using (cancel.Register(() => File.WriteAllText(Path.Combine(folder, WorkerClaims.StopFile), "stop")))
                foreach (var worker in workers) worker.WaitForExit();
            var failedWorkers = workers.Select((w, i) => (w.ExitCode, Index: i + 1)).Where(w => w.ExitCode is not (ExitCodes.Ok or ExitCodes.CaseFailed)).ToList();
            foreach (var (code, index) in failedWorkers) output.WriteLine($"worker {index} ended with exit code {code}");

            var assembled = new ShardAssembler(store, ModelSources.For(store.Path, retune: false), ProvenanceCollector.ForAssembly).Assemble(suite, commandLine, plan.Shard);
            foreach (string name in assembled.Missing) output.WriteLine($"  missing: {PrintableText.Of(name)}");
            bool interrupted = cancel.IsCancellationRequested || assembled.Missing.Count > 0 || failedWorkers.Count > 0;
            output.WriteLine($"run {assembled.RunId}: {assembled.Completed} completed, {assembled.Failed} failed, {assembled.Missing.Count} missing" +
                             (interrupted ? ", interrupted (run again to resume)" : "") + $"; results in {PrintableText.Of(store.Path)}");
            return assembled.Failed > 0 || interrupted ? ExitCodes.CaseFailed : ExitCodes.Ok;
        }
        finally
        {
            foreach (var worker in workers) worker.Dispose();
            try
            {
                Directory.Delete(folder, recursive: true);
                if (!Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(folder)!).Any()) Directory.Delete(Path.GetDirectoryName(folder)!);
            }
            catch (IOException) { } // another --jobs run on the same database: its folder stays
        }
    }

    private Process Start(Plan plan, string folder, int index)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // `dotnet eval.dll` or the apphost `eval`: the worker is started the same way this process was.
        string self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(LocalJobs).Assembly.Location);
        start.FileName = self;
        foreach (string argument in WorkerArguments(plan, folder)) start.ArgumentList.Add(argument);
        // libtorch reads these before TorchSharp can set its pool: one OpenMP pool of the planned size per worker.
        start.Environment["OMP_NUM_THREADS"] = plan.Threads.ToString(CultureInfo.InvariantCulture);
        var worker = new Process { StartInfo = start };
        DataReceivedEventHandler forward = (_, line) => { if (line.Data is not null) lock (gate) output.WriteLine($"[{index}] {line.Data}"); };
        worker.OutputDataReceived += forward;
        worker.ErrorDataReceived += forward;
        worker.Start();
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        return worker;
    }

    /// <summary>What a worker is started with: the parent's own options, one thread count, and the claims folder.</summary>
    public static IReadOnlyList<string> WorkerArguments(Plan plan, string folder)
    {
        var arguments = new List<string> { "run", plan.SuitePath, "--db", plan.Database, "--threads", plan.Threads.ToString(CultureInfo.InvariantCulture), "--worker", folder };
        if (plan.Force) arguments.Add("--force");
        if (plan.Quiet) arguments.Add("--quiet");
        if (plan.Shard is { } shard) arguments.AddRange(["--shard", shard.ToString()]);
        if (plan.Device is { } device) arguments.AddRange(["--device", device]);
        return arguments;
    }
}
