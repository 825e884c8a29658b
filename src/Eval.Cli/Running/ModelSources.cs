using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Torch.Tuning;

namespace Eval.Cli.Running;

/// <summary>The model source every command uses: checkpoints, and tuned models cached in a tuned/ folder beside the database.</summary>
public static class ModelSources
{
    /// <summary>Tuned models live beside the results they produce: results/eval.db -> results/tuned/.</summary>
    public static string TunedFolder(string databasePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(databasePath)) ?? ".", "tuned");

    /// <summary>The zoo's training text, which fine-tuning trains on (the held-out addresses are not in it).</summary>
    public static string TrainingText() =>
        RepositoryPaths.Find(TrainingTextPath)
        ?? throw new DirectoryNotFoundException("suites/corpora/train (the training text fine-tuning uses) was not found above the current folder.");

    private static readonly string TrainingTextPath = Path.Combine("suites", "corpora", "train");

    public static IModelSource For(string databasePath, bool retune) =>
        new TorchModelSource(new FineTuner(TunedFolder(databasePath), TrainingTextOrMissing()), retune);

    /// <summary>Found lazily: a suite without tuned models must not need the training text.</summary>
    private static string TrainingTextOrMissing() => RepositoryPaths.Find(TrainingTextPath) ?? TrainingTextPath;
}
