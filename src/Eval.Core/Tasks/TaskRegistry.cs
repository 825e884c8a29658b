using Eval.Core.Corpora;
using Eval.Core.Validation;

namespace Eval.Core.Tasks;

/// <summary>The tasks by name, each created with validated parameters.</summary>
public static class TaskRegistry
{
    public static readonly IReadOnlyList<string> Names = ["perplexity", "passkey"];

    /// <summary>
    /// Creates a task. <paramref name="documents"/> supplies perplexity's documents lazily (the bundled corpus unless
    /// the suite names one), so validation never reads a corpus.
    /// </summary>
    public static IEvalTask Create(string name, IReadOnlyDictionary<string, string> parameters, Func<IReadOnlyList<Document>>? documents = null) =>
        name.ToLowerInvariant() switch
        {
            "perplexity" => new PerplexityTask(parameters, documents ?? (() => DocumentSource.Load(
                parameters.TryGetValue("corpus", out string? corpus) && corpus != "bundled" ? corpus : DocumentSource.BundledPath()))),
            "passkey" => new PasskeyTask(parameters),
            _ => throw new TaskException($"Unknown task \"{name}\". Available: {string.Join(", ", Names)}.{DidYouMean.Hint(name, Names)}"),
        };
}
