using Eval.Core.Models;
using Eval.Core.Results;

namespace Eval.Cli.Running;

/// <summary>
/// The config.json of each model of a run, for the report's charts drawn from the models' math (RoPE geometry, sinusoids,
/// the cost of length): the reference resolved as the suite loader resolves it, from the suite's folder; a tuned model's
/// from the tuning cache by its fingerprint. A checkpoint that is no longer where the run found it (a report made
/// elsewhere) has none, and its math charts are left out.
/// </summary>
public static class RunModelConfigs
{
    /// <param name="tunedFolder">Where tuned models are cached: a tuned model's config.json is found there by its fingerprint.</param>
    public static IReadOnlyDictionary<string, ModelConfig> Read(RunInfo run, IReadOnlyList<CaseResult> cases, string? tunedFolder = null)
    {
        string? suiteFolder = string.IsNullOrWhiteSpace(run.SuitePath) ? null : Path.GetDirectoryName(Path.GetFullPath(run.SuitePath));
        var configs = new Dictionary<string, ModelConfig>();
        foreach (var model in cases.GroupBy(c => c.Model))
        {
            try
            {
                string fingerprint = model.First().ModelFingerprint;
                string config = model.Key.StartsWith(Eval.Core.Suites.SuiteModel.TunePrefix, StringComparison.Ordinal)
                    ? Path.Combine(Eval.Core.Tuning.TuneCard.FolderOf(tunedFolder ?? "", fingerprint) ?? "-", "config.json")
                    : Path.Combine(ModelReference.Resolve(model.Key, suiteFolder), "config.json");
                if (!File.Exists(config)) continue;
                configs[model.Key] = ModelConfigReader.Read(config);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ModelConfigException or ArgumentException) { }
        }
        return configs;
    }
}
