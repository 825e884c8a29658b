using System.Globalization;
using Eval.Core.Tasks;

namespace Eval.Core.Results;

/// <summary>
/// Headline figures as people read them, with their uncertainty: perplexity with its +/- standard error (as llama.cpp
/// prints it), accuracy with its Wilson 95% interval. The same text in `eval run`, `eval show` and the report.
/// </summary>
public static class FigureText
{
    public const string NotRecorded = "error not recorded";

    /// <summary>"12.345 +/- 0.067", or "12.345 (error not recorded)" for a figure stored before squared NLLs were.</summary>
    public static string Perplexity(MetricValue ppl, string plusMinus = "+/-", string format = "F3") =>
        Uncertainty.PerplexityStandardError(ppl) is double error
            ? $"{ppl.Value.ToString(format, CultureInfo.InvariantCulture)} {plusMinus} {error.ToString(format, CultureInfo.InvariantCulture)}"
            : $"{ppl.Value.ToString(format, CultureInfo.InvariantCulture)} ({NotRecorded})";

    /// <summary>"80% (4/5, 95% CI 38-96%)".</summary>
    public static string Accuracy(MetricValue accuracy)
    {
        var (low, high) = Uncertainty.Wilson(accuracy.Sum, accuracy.Count);
        return string.Create(CultureInfo.InvariantCulture,
            $"{100 * accuracy.Value:F0}% ({accuracy.Sum:F0}/{accuracy.Count}, 95% CI {100 * low:F0}-{100 * high:F0}%)");
    }

    /// <summary>A case's headline figure with its uncertainty, or its status when it has none.</summary>
    public static string Headline(CaseResult result) =>
        result.Status == CaseStatus.NotApplicable ? $"not applicable: {result.Error}"
        : result.Metric(PerplexityTask.Perplexity.Name) is { } ppl ? "ppl " + Perplexity(ppl)
        : result.Metric(PasskeyTask.Accuracy.Name) is { } accuracy ? "accuracy " + Accuracy(accuracy)
        : result.Status.ToString();
}
