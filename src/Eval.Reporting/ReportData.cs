using Eval.Core.Results;

namespace Eval.Reporting;

/// <summary>A run's cases arranged for a report: per model, the strategies, lengths and figures to chart.</summary>
public sealed record ReportData(RunInfo Run, IReadOnlyList<CaseResult> Cases, RunComparison? Comparison)
{
    public IReadOnlyList<string> Models => Cases.Select(c => c.Model).Distinct().ToList();

    public IReadOnlyList<CaseResult> Completed(string model, string task) =>
        Cases.Where(c => c.Model == model && c.Task == task && c.Status == CaseStatus.Completed).ToList();

    public IReadOnlyList<string> Strategies(string model) =>
        Cases.Where(c => c.Model == model).Select(c => c.Strategy).Distinct().ToList();

    public IReadOnlyList<CaseResult> Failures => Cases.Where(c => c.Status == CaseStatus.Failed).ToList();

    /// <summary>The context length the model was trained on, as recorded with its cases.</summary>
    public int TrainedLength(string model) => Cases.First(c => c.Model == model).TrainedLength;
}
