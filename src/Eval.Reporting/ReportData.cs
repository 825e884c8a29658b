using Eval.Core.Positional;
using Eval.Core.Results;

namespace Eval.Reporting;

/// <summary>
/// A run's cases arranged for a report: per model, the strategies, lengths and figures to chart.
/// <paramref name="Configs"/> holds each model's config.json for the charts drawn from the models' math (RoPE geometry,
/// sinusoids, the cost of length); a model without one (a checkpoint no longer at hand) gets none of those charts. <paramref name="Tunings"/> are the cards of the run's tuned models
/// (found by their fingerprints), for the fine-tuning section.
/// </summary>
public sealed record ReportData(RunInfo Run, IReadOnlyList<CaseResult> Cases, RunComparison? Comparison,
    IReadOnlyDictionary<string, Eval.Core.Models.ModelConfig>? Configs = null, IReadOnlyList<Eval.Core.Tuning.TuneCard>? Tunings = null)
{
    /// <summary>The charts rendered so far, in report order (filled by <see cref="ReportWriter"/> for the renderers after them).</summary>
    public IReadOnlyList<ChartFile> Charts { get; init; } = [];

    public IReadOnlyList<Eval.Core.Tuning.TuneCard> TunedModels => Tunings ?? [];

    public IReadOnlyList<string> Models => Cases.Select(c => c.Model).Distinct().ToList();

    public IReadOnlyList<CaseResult> Completed(string model, string task) =>
        Cases.Where(c => c.Model == model && c.Task == task && c.Status == CaseStatus.Completed).ToList();

    public IReadOnlyList<string> Strategies(string model) =>
        Cases.Where(c => c.Model == model).Select(c => c.Strategy).Distinct().ToList();

    public IReadOnlyList<CaseResult> Failures => Cases.Where(c => c.Status == CaseStatus.Failed).ToList();

    /// <summary>Cases that cannot be computed by definition, with the reason in their Error.</summary>
    public IReadOnlyList<CaseResult> NotApplicable => Cases.Where(c => c.Status == CaseStatus.NotApplicable).ToList();

    /// <summary>The context length the model was trained on, as recorded with its cases.</summary>
    public int TrainedLength(string model) => Cases.First(c => c.Model == model).TrainedLength;

    /// <summary>The model's config.json, when the run's data carries it.</summary>
    public Eval.Core.Models.ModelConfig? Config(string model) => Configs is not null && Configs.TryGetValue(model, out var config) ? config : null;

    /// <summary>A RoPE model's geometry: its config's head_dim and rope_theta, and the trained length recorded with its cases.</summary>
    public RopeGeometry? Geometry(string model) =>
        Config(model) is { PositionEncoding: "rope" } c ? new RopeGeometry(c.RotaryDim, c.RopeTheta, TrainedLength(model)) : null;
}
