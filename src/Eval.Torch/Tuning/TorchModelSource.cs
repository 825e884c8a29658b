using Eval.Core.Models;
using Eval.Core.Suites;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Torch.Tuning;

/// <summary>
/// Models from checkpoint folders, and tuned models derived from them through <see cref="FineTuner"/>. Each
/// checkpoint is fingerprinted once (it reads every weight byte) and the loader is handed that fingerprint.
/// </summary>
/// <param name="retune">Retrain tuned models even when cached (once per model in this process).</param>
public sealed class TorchModelSource(FineTuner tuner, bool retune = false) : IModelSource
{
    private readonly Dictionary<string, string> checkpoints = [];
    private readonly HashSet<string> retuned = [];

    public string Fingerprint(SuiteModel model) =>
        model.Tune is { } recipe ? recipe.CacheKey(Checkpoint(model.Directory)) : Checkpoint(model.Directory);

    public ILanguageModel Load(SuiteModel model, string device, Action<string> log, CancellationToken cancel)
    {
        string directory = model.Directory;
        if (model.Tune is { } recipe)
            directory = tuner.Ensure(recipe, model.DisplayName, model.Directory, Checkpoint(model.Directory), retune && retuned.Add(model.Reference), log, cancel);
        return TorchLanguageModel.Load(directory, model.DType == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32,
            device == "cuda" ? CUDA : CPU, model.TrainedLength, Fingerprint(model));
    }

    private string Checkpoint(string directory)
    {
        if (!checkpoints.TryGetValue(directory, out string? print)) checkpoints[directory] = print = CheckpointLoader.Fingerprint(directory);
        return print;
    }
}
