using Eval.Core.Models;
using Eval.Core.Results;

namespace Eval.Core.Tasks;

/// <summary>A task with its parameters bound; runs one case (one model, strategy and length).</summary>
public interface IEvalTask
{
    string Name { get; }

    /// <summary>Canonical parameter text (sorted key=value), part of every case's identity.</summary>
    string CanonicalParameters { get; }

    /// <summary>The headline metric a report shows for this task (ppl, accuracy).</summary>
    string HeadlineMetric { get; }

    TaskResult Run(ILanguageModel model, int contextLength, int seed, IProgress<double>? progress, CancellationToken cancel);
}
