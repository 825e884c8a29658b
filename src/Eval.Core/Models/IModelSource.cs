using Eval.Core.Suites;

namespace Eval.Core.Models;

/// <summary>
/// Where a suite's models come from: the one seam between the runner and checkpoints on disk, so a new kind of
/// model (a derived, tuned one) or a fake for tests plugs in here and the runner stays the same.
/// </summary>
public interface IModelSource
{
    /// <summary>
    /// The model's content fingerprint, part of every case hash: a checkpoint's config and weights digest, or a tuned
    /// model's cache key (its source's fingerprint + recipe + harness version), known before it is trained.
    /// Computed once per model.
    /// </summary>
    string Fingerprint(SuiteModel model);

    /// <summary>Loads the model ready to score on <paramref name="device"/>, first training it if it is derived and not yet cached.</summary>
    ILanguageModel Load(SuiteModel model, string device, Action<string> log, CancellationToken cancel);
}
