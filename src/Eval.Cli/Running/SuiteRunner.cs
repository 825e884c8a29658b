using System.Diagnostics;
using System.Globalization;
using Eval.Core.Corpora;
using Eval.Core.Positional;
using Eval.Core.Results;
using Eval.Core.Runtime;
using Eval.Core.Suites;
using Eval.Core.Tasks;
using Eval.Storage;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Cli.Running;

/// <summary>Options of one `eval run`.</summary>
public sealed record RunOptions(bool Force = false, ShardSpec? Shard = null, string CommandLine = "");

/// <summary>The outcome of a run: how many cases were computed, reused and failed, and whether it was interrupted.</summary>
public sealed record RunSummary(string RunId, int Computed, int Reused, int Failed, bool Interrupted);

/// <summary>
/// Runs a suite's cases against the store: skips cases already complete (unless forced), loads each model once,
/// commits each case in one transaction, stores failures (exceptions, NaN, time limits, out of memory) and goes on.
/// Cancellation (Ctrl-C) stops after the case in flight is abandoned and marks the run interrupted.
/// </summary>
public sealed class SuiteRunner(ResultStore store, IRunReporter reporter)
{
    private readonly Dictionary<string, IReadOnlyList<Document>> corpora = [];

    public RunSummary Run(Suite suite, RunOptions options, CancellationToken cancel)
    {
        var cases = Cases(suite).Where(c => options.Shard?.Contains(c) ?? true).ToList();
        var provenance = ProvenanceCollector.Collect(suite.Device, suite.DType, options.Shard?.ToString(), options.CommandLine);
        var run = store.BeginRun(suite.Name, suite.Path, suite.Text, provenance);
        // Each case is looked up once: found ones are recorded under this run too, so its report is complete.
        var done = cases.Select(c => options.Force ? null : store.FindCompleted(c.Hash)).ToList();
        int computed = 0, reused = 0, failed = 0, pendingTotal = done.Count(d => d is null);
        reporter.RunStarted(run.Id, cases.Count, pendingTotal);
        int index = 0;
        try
        {
            foreach (var group in cases.Zip(done).GroupBy(c => c.First.Model.Directory))
            {
                foreach (var (_, earlier) in group.Where(c => c.Second is not null))
                {
                    store.SaveCase(run.Id, earlier!);
                    reused++;
                }
                var pending = group.Where(c => c.Second is null).Select(c => c.First).ToList();
                if (pending.Count == 0) continue;
                var model = pending[0].Model;
                reporter.Message($"loading {model.Reference} ({model.DType})");
                TorchLanguageModel? lm = null;
                string? loadError = null;
                try { lm = TorchLanguageModel.Load(model.Directory, ModelDType(model.DType), Device(suite.Device), model.TrainedLength); }
                catch (Exception e) when (e is not OperationCanceledException) { loadError = $"model failed to load: {e.Message}"; }
                try
                {
                    var tasks = new Dictionary<string, IEvalTask>();
                    foreach (var evalCase in pending)
                    {
                        cancel.ThrowIfCancellationRequested();
                        reporter.CaseStarted(evalCase, ++index, pendingTotal);
                        var result = loadError is null ? RunCase(lm!, evalCase, suite, tasks, cancel) : Failure(evalCase, DateTime.UtcNow, loadError, lm);
                        store.SaveCase(run.Id, result);
                        if (result.Status == CaseStatus.Failed) failed++; else computed++;
                        reporter.CaseFinished(evalCase, result, Headline(result));
                    }
                }
                finally
                {
                    lm?.Dispose();
                    GC.Collect(); // release the model's native memory before the next one loads
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            store.EndRun(run.Id, RunStatus.Interrupted);
            reporter.Message($"interrupted: {computed} cases stored; run again to resume");
            return new RunSummary(run.Id, computed, reused, failed, Interrupted: true);
        }
        store.EndRun(run.Id, RunStatus.Completed);
        return new RunSummary(run.Id, computed, reused, failed, Interrupted: false);
    }

    /// <summary>The suite's cases, each model's checkpoint fingerprinted once (the hash needs its weights' digest).</summary>
    public static IReadOnlyList<EvalCase> Cases(Suite suite)
    {
        var fingerprints = suite.Models.ToDictionary(m => m.Directory, m => CheckpointLoader.Fingerprint(m.Directory));
        return MatrixExpander.Expand(suite, m => fingerprints[m.Directory]);
    }

    private CaseResult RunCase(TorchLanguageModel lm, EvalCase evalCase, Suite suite, Dictionary<string, IEvalTask> tasks, CancellationToken cancel)
    {
        var started = DateTime.UtcNow;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (suite.CaseSeconds is double seconds) limit.CancelAfter(TimeSpan.FromSeconds(seconds));
        PeakMemory.Reset();
        var clock = Stopwatch.StartNew();
        try
        {
            lm.Strategy = ContextLengthStrategy.For(evalCase.Strategy, evalCase.ContextLength);
            string taskKey = evalCase.Task + "|" + evalCase.TaskParameters;
            if (!tasks.TryGetValue(taskKey, out var task))
            {
                var definition = evalCase.Definition;
                tasks[taskKey] = task = TaskRegistry.Create(definition.Name, definition.Parameters, () => Documents(definition.Parameters));
            }
            var result = task.Run(lm, evalCase.ContextLength, evalCase.Seed, new Progress<double>(reporter.CaseProgress), limit.Token);
            if (result.Metrics.FirstOrDefault(m => !double.IsFinite(m.Value)) is { } bad)
                return Failure(evalCase, started, $"metric {bad.Name} is {bad.Value} (NaN or infinite)", lm, clock.Elapsed.TotalSeconds);
            return new CaseResult(evalCase.Hash, evalCase.DisplayName, evalCase.Model.Reference, Fingerprint(lm), evalCase.Strategy.Spec.ToString(),
                evalCase.ContextLength, evalCase.Model.EffectiveTrainedLength, evalCase.Task, evalCase.TaskParameters, evalCase.Seed, CaseStatus.Completed, null, started, DateTime.UtcNow,
                clock.Elapsed.TotalSeconds, result.TokensProcessed / Math.Max(1e-9, clock.Elapsed.TotalSeconds), PeakMemory.PeakBytes(),
                result.Protocol, result.Metrics, result.Series);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return Failure(evalCase, started, $"time limit of {suite.CaseSeconds?.ToString(CultureInfo.InvariantCulture)} s exceeded", lm, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string kind = e is OutOfMemoryException || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ? "out of memory: " : "";
            return Failure(evalCase, started, kind + e.Message, lm, clock.Elapsed.TotalSeconds);
        }
    }

    private IReadOnlyList<Document> Documents(IReadOnlyDictionary<string, string> parameters)
    {
        string path = parameters.TryGetValue("corpus", out string? corpus) && corpus != "bundled" ? corpus : DocumentSource.BundledPath();
        if (!corpora.TryGetValue(path, out var documents)) corpora[path] = documents = DocumentSource.Load(path);
        return documents;
    }

    private static CaseResult Failure(EvalCase c, DateTime started, string error, TorchLanguageModel? lm, double seconds = 0) =>
        new(c.Hash, c.DisplayName, c.Model.Reference, lm is null ? "" : Fingerprint(lm), c.Strategy.Spec.ToString(), c.ContextLength, c.Model.EffectiveTrainedLength, c.Task, c.TaskParameters,
            c.Seed, CaseStatus.Failed, error, started, DateTime.UtcNow, seconds, 0, PeakMemory.PeakBytes(), null, [], []);

    private static string Fingerprint(TorchLanguageModel lm) => lm.Fingerprint ?? "";

    /// <summary>The figure a person looks at first: ppl for perplexity, accuracy for passkey.</summary>
    /// <summary>A case's headline figure with its uncertainty (one text for progress lines, `eval show` and the report).</summary>
    public static string Headline(CaseResult result) => FigureText.Headline(result);

    private static ScalarType ModelDType(string dtype) => dtype == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;

    private static Device Device(string device) => device == "cuda" ? CUDA : CPU;
}
