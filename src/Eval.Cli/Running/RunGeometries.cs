using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Results;

namespace Eval.Cli.Running;

/// <summary>
/// The RoPE geometry of each model of a run, for the report's charts drawn from the strategies' math: head_dim and
/// rope_theta from the checkpoint's config.json (the reference resolved as the suite loader resolves it, from the suite's
/// folder) and the trained length recorded with the model's cases. ALiBi and NoPE models have none; nor does a checkpoint
/// that is no longer where the run found it (a report made elsewhere), whose math charts are then left out.
/// </summary>
public static class RunGeometries
{
    /// <param name="tunedFolder">Where tuned models are cached: a tuned model's config.json is found there by its fingerprint.</param>
    public static IReadOnlyDictionary<string, RopeGeometry> Read(RunInfo run, IReadOnlyList<CaseResult> cases, string? tunedFolder = null)
    {
        string? suiteFolder = string.IsNullOrWhiteSpace(run.SuitePath) ? null : Path.GetDirectoryName(Path.GetFullPath(run.SuitePath));
        var geometries = new Dictionary<string, RopeGeometry>();
        foreach (var model in cases.GroupBy(c => c.Model))
        {
            try
            {
                string fingerprint = model.First().ModelFingerprint;
                string config = model.Key.StartsWith(Eval.Core.Suites.SuiteModel.TunePrefix, StringComparison.Ordinal)
                    ? Path.Combine(Eval.Core.Tuning.TuneCard.FolderOf(tunedFolder ?? "", fingerprint) ?? "-", "config.json")
                    : Path.Combine(ModelReference.Resolve(model.Key, suiteFolder), "config.json");
                if (!File.Exists(config)) continue;
                var read = ModelConfigReader.Read(config);
                if (read.PositionEncoding != "rope") continue;
                geometries[model.Key] = new RopeGeometry(read.HeadDim, read.RopeTheta, model.First().TrainedLength);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ModelConfigException or ArgumentException) { }
        }
        return geometries;
    }
}
