using System.Diagnostics;
using System.Globalization;
using Eval.Core.Corpora;
using Eval.Core.Positional;
using Eval.Core.Results;
using Eval.Core.Runtime;
using Eval.Core.Suites;
using Eval.Core.Tasks;
using Eval.Core.Models;

namespace Eval.Core.Running;

/// <summary>Options of one `eval run`.</summary>
/// <param name="ClaimModel">Asked before each model (by its place in the suite's model order) whether this process takes it;
/// null takes every model. Worker processes of `eval run --jobs` claim models so each is loaded and tuned by one of them.</param>
public sealed record RunOptions(bool Force = false, ShardSpec? Shard = null, string CommandLine = "", Func<int, bool>? ClaimModel = null);

/// <summary>The outcome of a run: how many cases were computed, reused and failed, and whether it was interrupted.</summary>
public sealed record RunSummary(string RunId, int Computed, int Reused, int Failed, bool Interrupted);

/// <summary>
/// Runs a suite's cases against the store: skips cases already complete (unless forced), loads each model once,
/// commits each case in one transaction, stores failures (exceptions, NaN, time limits, out of memory) and goes on.
/// Cancellation (Ctrl-C) stops after the case in flight is abandoned and marks the run interrupted.
/// </summary>
/// <param name="provenance">What the run records about where it ran (the CLI's ProvenanceCollector asks libtorch its version;
/// tests that run fake models record a fixed one).</param>
public sealed class SuiteRunner(ICaseStore store, IRunReporter reporter, IModelSource models, Func<Suite, RunOptions, Provenance> provenance)
{
    private readonly Dictionary<string, IReadOnlyList<Document>> corpora = [];

    public RunSummary Run(Suite suite, RunOptions options, CancellationToken cancel)
    {
        var cases = Cases(suite, models).Where(c => options.Shard?.Contains(c) ?? true).ToList();
        var recorded = provenance(suite, options);
        var run = store.BeginRun(suite.Name, suite.Path, suite.Text, recorded);
        // Each case is looked up once: found ones are recorded under this run too, so its report is complete.
        var done = cases.Select(c => options.Force ? null : store.FindCompleted(c.Hash)).ToList();
        int computed = 0, reused = 0, failed = 0, pendingTotal = done.Count(d => d is null);
        reporter.RunStarted(run.Id, cases.Count, pendingTotal);
        int index = 0, modelIndex = -1;
        try
        {
            foreach (var group in cases.Zip(done).GroupBy(c => c.First.Model))
            {
                modelIndex++;
                if (options.ClaimModel is { } claim && !claim(modelIndex)) continue;
                foreach (var (_, earlier) in group.Where(c => c.Second is not null))
                {
                    store.SaveCase(run.Id, earlier!);
                    reused++;
                }
                var pending = group.Where(c => c.Second is null).Select(c => c.First).ToList();
                if (pending.Count == 0) continue;
                var model = pending[0].Model;
                reporter.Message($"loading {model.Reference} ({model.DType})");
                ILanguageModel? lm = null;
                string? loadError = null;
                string fingerprint = models.Fingerprint(model);
                // A tuning that cannot fit is not started: it would be OOM-killed and take the whole run with it.
                if (suite.TrainingProblems?.GetValueOrDefault(model.Reference) is SuiteError tooLarge) loadError = $"model not tuned: {tooLarge.Message}";
                else
                {
                    try { lm = models.Load(model, suite.Device, reporter.Message, cancel); }
                    catch (Exception e) when (e is not OperationCanceledException) { loadError = $"model failed to load: {e.Message}"; }
                }
                try
                {
                    var tasks = new Dictionary<string, IEvalTask>();
                    foreach (var evalCase in pending)
                    {
                        cancel.ThrowIfCancellationRequested();
                        reporter.CaseStarted(evalCase, ++index, pendingTotal);
                        var result = loadError is null ? RunCase(lm!, fingerprint, evalCase, suite, tasks, cancel) : Failure(evalCase, DateTime.UtcNow, loadError, fingerprint);
                        if (loadError is null && result.Status == CaseStatus.Failed && IsScalarRace(result.Error))
                        {
                            reporter.Message($"{evalCase.DisplayName}: libtorch's scalar check failed (TorchSharp's temporary-Scalar race); computing it once more");
                            result = RunCase(lm!, fingerprint, evalCase, suite, tasks, cancel);
                        }
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

    /// <summary>
    /// TorchSharp 0.107 passes native code temporary Scalars it does not keep alive, so a garbage collection during the
    /// call can free one and libtorch fails its scalar-type check (README, Reliability; seen in 1 of 555 cases of two CI
    /// main jobs). That failure is not the case's own, so the case is computed once more; any other failure is stored.
    /// </summary>
    public static bool IsScalarRace(string? error) =>
        error is not null && (error.Contains("Unknown scalar type", StringComparison.Ordinal) || error.Contains("c10/core/Scalar.h", StringComparison.Ordinal));

    /// <summary>The suite's cases; each hash includes its model's fingerprint, which the model source computes once.</summary>
    public static IReadOnlyList<EvalCase> Cases(Suite suite, IModelSource models) => MatrixExpander.Expand(suite, models.Fingerprint);

    private CaseResult RunCase(ILanguageModel lm, string fingerprint, EvalCase evalCase, Suite suite, Dictionary<string, IEvalTask> tasks, CancellationToken cancel)
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
                return Failure(evalCase, started, $"metric {bad.Name} is {bad.Value} (NaN or infinite)", fingerprint, clock.Elapsed.TotalSeconds);
            return new CaseResult(evalCase.Hash, evalCase.DisplayName, evalCase.Model.Reference, fingerprint, evalCase.Strategy.Spec.ToString(),
                evalCase.ContextLength, evalCase.Model.EffectiveTrainedLength, evalCase.Task, evalCase.TaskParameters, evalCase.Seed, CaseStatus.Completed, null, started, DateTime.UtcNow,
                clock.Elapsed.TotalSeconds, result.TokensProcessed / Math.Max(1e-9, clock.Elapsed.TotalSeconds), PeakMemory.PeakBytes(),
                result.Protocol, result.Metrics, result.Series);
        }
        catch (NotApplicableException e)
        {
            return Failure(evalCase, started, e.Message, fingerprint, clock.Elapsed.TotalSeconds) with { Status = CaseStatus.NotApplicable };
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return Failure(evalCase, started, $"time limit of {suite.CaseSeconds?.ToString(CultureInfo.InvariantCulture)} s exceeded", fingerprint, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            string kind = e is OutOfMemoryException || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ? "out of memory: " : "";
            return Failure(evalCase, started, kind + e.Message, fingerprint, clock.Elapsed.TotalSeconds);
        }
    }

    private IReadOnlyList<Document> Documents(IReadOnlyDictionary<string, string> parameters)
    {
        string path = parameters.TryGetValue("corpus", out string? corpus) && corpus != "bundled" ? corpus : DocumentSource.BundledPath();
        if (!corpora.TryGetValue(path, out var documents)) corpora[path] = documents = DocumentSource.Load(path);
        return documents;
    }

    private static CaseResult Failure(EvalCase c, DateTime started, string error, string fingerprint, double seconds = 0) =>
        new(c.Hash, c.DisplayName, c.Model.Reference, fingerprint, c.Strategy.Spec.ToString(), c.ContextLength, c.Model.EffectiveTrainedLength, c.Task, c.TaskParameters,
            c.Seed, CaseStatus.Failed, error, started, DateTime.UtcNow, seconds, 0, PeakMemory.PeakBytes(), null, [], []);

    /// <summary>The figure a person looks at first: ppl for perplexity, accuracy for passkey.</summary>
    /// <summary>A case's headline figure with its uncertainty (one text for progress lines, `eval show` and the report).</summary>
    public static string Headline(CaseResult result) => FigureText.Headline(result);
}
