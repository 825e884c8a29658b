using System.Text.Json;

namespace Eval.Core.Tuning;

/// <summary>
/// What a tuning did, written beside the tuned checkpoint as tune.json: the source and its fingerprint, the recipe,
/// what it cost (wall and processor seconds, peak resident memory, threads) and the loss curve (step, mean loss over
/// the steps since the previous point), so a report can show convergence and cost per step without the run.
/// <see cref="ContentHashes"/> (file name to SHA-256 of config.json, the weights and the tokenizer files) is what the
/// tuned model is checked against before it is used: its fingerprint is the recipe's key, not its bytes.
/// </summary>
public sealed record TuneCard(
    string Name,
    string Source,
    string SourceFingerprint,
    string CacheKey,
    string Recipe,
    string Strategy,
    int Length,
    int Steps,
    int Batch,
    double LearningRate,
    int Seed,
    long TrainingTokens,
    double FinalLoss,
    double Seconds,
    double CpuSeconds,
    long PeakBytes,
    int Threads,
    string HarnessVersion,
    IReadOnlyList<double[]> LossCurve,
    string Method = "full",
    long TrainableParameters = 0,
    IReadOnlyDictionary<string, string>? ContentHashes = null)
{
    public const string FileName = "tune.json";

    /// <summary>The folder a tuned model with this cache key would be in; null for a key that is not one (a key is hex, never a path).</summary>
    public static string? FolderOf(string tunedFolder, string cacheKey) =>
        cacheKey.Length == 0 || cacheKey.IndexOfAny(['/', '\\', '.']) >= 0 ? null : Path.Combine(tunedFolder, cacheKey);

    /// <summary>The card of the tuned model whose fingerprint (cache key) is <paramref name="cacheKey"/>, if it is in <paramref name="tunedFolder"/>.</summary>
    public static TuneCard? Find(string tunedFolder, string cacheKey)
    {
        if (FolderOf(tunedFolder, cacheKey) is not string folder || !File.Exists(Path.Combine(folder, FileName))) return null;
        string path = Path.Combine(folder, FileName);
        try { return JsonSerializer.Deserialize<TuneCard>(File.ReadAllText(path)); }
        catch (JsonException) { return null; }
    }

    /// <summary>Wall seconds per optimizer step (this process's, resumed parts included).</summary>
    public double SecondsPerStep => Steps == 0 ? 0 : Seconds / Steps;
}
