using Eval.Core.Corpora;
using Eval.Core.Results;
using Eval.Core.Runtime;
using Eval.Core.Validation;

namespace Eval.Core.Tasks;

/// <summary>The tasks by name, each created with validated parameters, and the headline figure each is judged by.</summary>
public static class TaskRegistry
{
    /// <param name="PairedUnits">A stored case's headline split into units (documents, trials) that a paired test matches across rows, in the
    /// headline's scale (log for a relative headline); null for a task whose stored figures have no such units.</param>
    private sealed record Entry(string Name, HeadlineMetric Headline, Func<IReadOnlyDictionary<string, string>, Func<IReadOnlyList<Document>>?, IEvalTask> Create,
        Func<CaseResult, IReadOnlyDictionary<string, double>>? PairedUnits = null);

    // A new task is one line here (and its class beside this file).
    private static readonly Entry[] Entries =
    [
        new(PerplexityTask.TaskName, PerplexityTask.Perplexity, (parameters, documents) => new PerplexityTask(parameters, documents ?? (() => DocumentSource.Load(
            parameters.TryGetValue("corpus", out string? corpus) && corpus != "bundled" ? DocumentSource.Resolve(corpus) : DocumentSource.BundledPath()))), PerplexityTask.PairedUnits),
        // keyppl reads its corpus with the key spans itself (a suite's documents carry no spans).
        new(KeyTokenPerplexityTask.TaskName, KeyTokenPerplexityTask.Perplexity, (parameters, _) => new KeyTokenPerplexityTask(parameters, () => LongRangeFile.Read(
            parameters.TryGetValue("corpus", out string? corpus) && corpus != "bundled" ? DocumentSource.Resolve(corpus) : RepositoryPaths.Require(LongRangeFile.BundledPath))), KeyTokenPerplexityTask.PairedUnits),
        new(PasskeyTask.TaskName, PasskeyTask.Accuracy, (parameters, _) => new PasskeyTask(parameters), PasskeyTask.PairedUnits),
    ];

    public static readonly IReadOnlyList<string> Names = Entries.Select(e => e.Name).ToList();

    /// <summary>
    /// Creates a task. <paramref name="documents"/> supplies perplexity's documents lazily (the bundled corpus unless
    /// the suite names one), so validation never reads a corpus.
    /// </summary>
    public static IEvalTask Create(string name, IReadOnlyDictionary<string, string> parameters, Func<IReadOnlyList<Document>>? documents = null) =>
        Find(name)?.Create(parameters, documents)
        ?? throw new TaskException($"Unknown task \"{name}\". Available: {string.Join(", ", Names)}.{DidYouMean.Hint(name, Names)}");

    /// <summary>The headline figure of a stored task, or null for a task this harness does not know (a newer one's).</summary>
    public static HeadlineMetric? HeadlineOf(string name) => Find(name)?.Headline;

    /// <summary>How a stored case of the task splits into paired units (see Entry), or null where it does not.</summary>
    public static Func<CaseResult, IReadOnlyDictionary<string, double>>? PairedUnitsOf(string name) => Find(name)?.PairedUnits;

    private static Entry? Find(string name) => Entries.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
