using Eval.Core.Tasks;
using Eval.Core.Tuning;
using Eval.Core.Results;
using ScottPlot;

namespace Eval.Reporting;

/// <summary>
/// The fine-tuning section: every tuning's loss curve, and per source model its perplexity against length beside the
/// models tuned from it (each as its config carries it), so a reader sees what the tuning bought at each length.
/// </summary>
public sealed class FineTuningCharts : IReportRenderer
{
    public string Name => "fine-tuning";

    public IReadOnlyList<ChartFile> Render(ReportData data, string folder) => Charts(data, folder).ToList();

    public const string Section = "fine-tuning";

    private static IEnumerable<ChartFile> Charts(ReportData data, string folder)
    {
        if (data.TunedModels.Count == 0) yield break;
        yield return PlotStyle.Save(LossCurves(data.TunedModels), folder, Section, "Training loss of each tuned model",
            "fine-tuning-loss.png", "Mean next-token loss over each logged interval of steps (the first steps include the warm-up).");
        foreach (var source in data.TunedModels.GroupBy(t => t.SourceFingerprint))
            if (BesideSource(data, source.Key, source.ToList()) is var (plot, model))
                yield return PlotStyle.Save(plot, folder, Section, $"{model.Replace("zoo:", "")} and the models tuned from it", ReportFiles.Chart("fine-tuning", model),
                    "Perplexity as each model is evaluated as it ships (carried: a tuned model's config holds its trained scaling); dashed: L0.");
    }

    private static Plot LossCurves(IReadOnlyList<TuneCard> tunings)
    {
        var plot = new Plot();
        foreach (var (card, index) in tunings.Select((c, i) => (c, i)))
        {
            var line = plot.Add.Scatter(card.LossCurve.Select(p => p[0]).ToArray(), card.LossCurve.Select(p => p[1]).ToArray(), StrategyColors.Nth(index));
            line.LegendText = card.Name;
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }
        plot.Axes.Bottom.Label.Text = "optimizer step";
        plot.Axes.Left.Label.Text = "training loss (nats / token)";
        plot.Title("Fine-tuning loss");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>ppl vs length: the source's first strategy (as listed: usually carried) and each tuned model's; with the source's exact name.</summary>
    private static (Plot, string)? BesideSource(ReportData data, string sourceFingerprint, IReadOnlyList<TuneCard> tuned)
    {
        var sourceCases = data.Cases.Where(c => c.ModelFingerprint == sourceFingerprint).ToList();
        var series = new List<(string Label, IReadOnlyList<CaseResult> Cases)>();
        if (sourceCases.Count > 0)
        {
            string first = sourceCases[0].Strategy;
            series.Add(($"{sourceCases[0].Model.Replace("zoo:", "")} ({first}, not tuned)", sourceCases.Where(c => c.Strategy == first).ToList()));
        }
        foreach (var card in tuned)
        {
            var cases = data.Cases.Where(c => c.ModelFingerprint == card.CacheKey).ToList();
            if (cases.Count > 0) series.Add((card.Name, cases.Where(c => c.Strategy == cases[0].Strategy).ToList()));
        }
        var points = series.Select(s => (s.Label, Points: s.Cases
            .Where(c => c.Task == PerplexityTask.TaskName && c.Status == CaseStatus.Completed && c.Metric(PerplexityTask.Perplexity.Name) is not null)
            .GroupBy(c => c.ContextLength).OrderBy(g => g.Key)
            .Select(g => (Length: g.Key, Ppl: g.First().Metric(PerplexityTask.Perplexity.Name)!.Value)).ToList())).Where(s => s.Points.Count > 0).ToList();
        if (points.Count == 0) return null;

        var plot = new Plot();
        foreach (var ((label, line), index) in points.Select((p, i) => (p, i)))
        {
            var scatter = plot.Add.Scatter(line.Select(p => Math.Log2(p.Length)).ToArray(), line.Select(p => p.Ppl).ToArray(), StrategyColors.Nth(index));
            scatter.LegendText = label;
            scatter.LineWidth = 2;
        }
        int trained = (sourceCases.Count > 0 ? sourceCases : data.Cases.Where(c => tuned.Any(t => t.CacheKey == c.ModelFingerprint))).Min(c => c.TrainedLength);
        PlotStyle.LengthAxis(plot, points.SelectMany(p => p.Points.Select(x => x.Length)).Append(trained));
        plot.Add.VerticalLine(Math.Log2(trained), 2, Colors.Gray, LinePattern.Dashed);
        plot.Axes.Left.Label.Text = "perplexity";
        string model = sourceCases.Count > 0 ? sourceCases[0].Model : tuned[0].Source;
        plot.Title($"{model.Replace("zoo:", "")}: frozen vs fine-tuned");
        plot.ShowLegend(Alignment.UpperLeft);
        return (plot, model);
    }
}
