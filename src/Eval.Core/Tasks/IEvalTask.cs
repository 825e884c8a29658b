using Eval.Core.Models;
using Eval.Core.Results;

namespace Eval.Core.Tasks;

/// <summary>A task with its parameters bound; runs one case (one model, strategy and length).</summary>
public interface IEvalTask
{
    string Name { get; }

    /// <summary>Canonical parameter text (sorted key=value), part of every case's identity.</summary>
    string CanonicalParameters { get; }

    /// <summary>The figure this task is judged by (ppl, accuracy) and which way is better.</summary>
    HeadlineMetric Headline { get; }

    /// <summary>
    /// Why this task cannot run at <paramref name="contextLength"/> (e.g. perplexity's min_context not below it), naming
    /// the task and field, or null. Suites report it at validation rather than failing the case at run time.
    /// </summary>
    string? LengthProblem(int contextLength) => null;

    TaskResult Run(ILanguageModel model, int contextLength, int seed, IProgress<double>? progress, CancellationToken cancel);
}
