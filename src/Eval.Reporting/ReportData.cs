using Eval.Core.Positional;
using Eval.Core.Results;

namespace Eval.Reporting;

/// <summary>
/// A run's cases arranged for a report: per model, the strategies, lengths and figures to chart.
/// <paramref name="Geometries"/> holds each RoPE model's geometry (its config.json's head_dim and rope_theta, and its
/// trained length) for the charts drawn from the strategies' math; a model without one (ALiBi, NoPE, or a checkpoint
/// no longer at hand) gets none of those charts. <paramref name="Tunings"/> are the cards of the run's tuned models
/// (found by their fingerprints), for the fine-tuning section.
/// </summary>
public sealed record ReportData(RunInfo Run, IReadOnlyList<CaseResult> Cases, RunComparison? Comparison,
    IReadOnlyDictionary<string, RopeGeometry>? Geometries = null, IReadOnlyList<Eval.Core.Tuning.TuneCard>? Tunings = null)
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

    /// <summary>The model's RoPE geometry, when the run's data carries it.</summary>
    public RopeGeometry? Geometry(string model) => Geometries is not null && Geometries.TryGetValue(model, out var geometry) ? geometry : null;
}
