using Eval.Core.Tasks;
using System.Globalization;
using System.Net;
using System.Text;
using Eval.Core.Results;

namespace Eval.Reporting;

/// <summary>One self-contained report.html (images embedded as data URIs, no scripts, no network), PNGs beside it.</summary>
public sealed class HtmlReport : IReportRenderer
{
    /// <summary>The section of the file this renderer returns: the page, not a chart.</summary>
    public const string Section = "report";

    public string Name => "html";

    /// <summary>The page, embedding the charts rendered before it (<see cref="ReportData.Charts"/>).</summary>
    public IReadOnlyList<ChartFile> Render(ReportData data, string folder) => [new ChartFile(Section, "report", Write(data, data.Charts, folder))];

    public static string Write(ReportData data, IReadOnlyList<ChartFile> charts, string folder)
    {
        var html = new StringBuilder();
        // Names come from suites, folders and databases: control characters are shown visibly, then the text is HTML-encoded.
        string E(object? value) => WebUtility.HtmlEncode(PrintableText.Of(Convert.ToString(value, CultureInfo.InvariantCulture)));
        var run = data.Run;
        var p = run.Provenance;
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(run.SuiteName)}} — {{E(run.Id)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; } table.figures td { white-space: nowrap; }
            th { background: #f3f3f3; } td.l, th.l { text-align: left; } .swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 4px; vertical-align: -1px; }
            figure { display: inline-block; margin: 0.5em; vertical-align: top; } figure img { width: 560px; border: 1px solid #ddd; }
            .grid figure img { width: 360px; } figcaption { font-size: 0.85em; color: #555; max-width: 560px; }
            .bad { color: #b2182b; font-weight: bold; } .good { color: #1a9850; }
            </style></head><body>
            <h1>{{E(run.SuiteName)}}: extrapolation report</h1>
            <p>Run <b>{{E(run.Id)}}</b>, {{E(run.Status)}}, started {{run.StartedAt:yyyy-MM-dd HH:mm}} UTC; {{data.Cases.Count}} cases
            ({{data.Cases.Count(c => c.Status == CaseStatus.Completed)}} completed, {{data.Failures.Count}} failed, {{data.NotApplicable.Count}} not applicable,
            {{data.Cases.Count(c => c.ReusedFromRun is not null)}} reused from earlier runs).</p>
            <table><tr><th class="l">harness</th><td class="l">{{E(p.HarnessVersion)}} (git {{E(p.GitCommit ?? "-")}})</td></tr>
            <tr><th class="l">machine</th><td class="l">{{E(p.Machine)}}, {{E(p.OperatingSystem)}}, {{E(p.Cpu)}}{{(p.Threads is int threads ? $", {threads} libtorch threads" : "")}}{{(p.Gpu is null ? "" : ", " + E(p.Gpu))}}</td></tr>
            <tr><th class="l">TorchSharp / libtorch</th><td class="l">{{E(p.TorchSharpVersion)}} / {{E(p.LibTorchVersion)}}, device {{E(p.Device)}}, dtype {{E(p.DType)}}{{(p.Shard is null ? "" : ", shard " + E(p.Shard))}}</td></tr>
            <tr><th class="l">command</th><td class="l"><code>{{E(p.CommandLine)}}</code></td></tr></table>
            """);

        html.Append("<h2>Effective context</h2><p>Per strategy: the longest length whose perplexity stays within 10% of its value at the training length, and the longest with passkey accuracy of at least 80% (as YaRN's Table 5). Scanning stops at the first length that misses. " +
                    "Perplexity is shown &plusmn; its standard error over the scored tokens (as llama.cpp's perplexity tool), accuracy with its Wilson 95% interval.</p>");
        foreach (string model in data.Models)
        {
            int trained = data.TrainedLength(model);
            html.Append($"<h3>{E(model)} (trained on {trained} tokens)</h3><table class=\"figures\"><tr><th class=\"l\">strategy</th><th>ppl at L0</th><th>ppl at longest</th><th>ppl within 10% up to</th><th>passkey at longest</th><th>passkey &ge; 80% up to</th><th>keyppl at longest</th></tr>");
            foreach (string strategy in data.Strategies(model))
            {
                var ppl = data.Completed(model, PerplexityTask.TaskName).Where(c => c.Strategy == strategy).OrderBy(c => c.ContextLength).ToList();
                var passkey = data.Completed(model, PasskeyTask.TaskName).Where(c => c.Strategy == strategy).ToList();
                // Perplexity with its standard error (llama.cpp's +/-), accuracy with its Wilson 95% interval.
                string atTrained = ppl.FirstOrDefault(c => c.ContextLength == trained)?.Metric(PerplexityTask.Perplexity.Name) is { } l0 ? FigureText.Perplexity(l0, "±", "F2") : "-";
                string atLongest = ppl.LastOrDefault() is { } last ? $"{FigureText.Perplexity(last.Metric(PerplexityTask.Perplexity.Name)!, "±", "F2")} @ {PlotStyle.Tokens(last.ContextLength)}" : "-";
                string passkeyLongest = passkey.OrderBy(c => c.ContextLength).LastOrDefault(c => c.Metric(PasskeyTask.Accuracy.Name) is not null) is { } longestKey
                    ? $"{FigureText.Accuracy(longestKey.Metric(PasskeyTask.Accuracy.Name)!)} @ {PlotStyle.Tokens(longestKey.ContextLength)}" : "-";
                string keyLongest = data.Completed(model, KeyTokenPerplexityTask.TaskName).Where(c => c.Strategy == strategy).MaxBy(c => c.ContextLength) is { } key
                    && key.Metric(KeyTokenPerplexityTask.Perplexity.Name) is { } keyPpl ? $"{FigureText.Perplexity(keyPpl, "±", "F2")} @ {PlotStyle.Tokens(key.ContextLength)}" : "-";
                string within = EffectiveContext.Perplexity(ppl, trained) is int l ? PlotStyle.Tokens(l) : "-";
                string retrieves = passkey.Count == 0 ? "-" : EffectiveContext.Passkey(passkey) is int k ? PlotStyle.Tokens(k) : "none";
                html.Append($"<tr><td class=\"l\"><span class=\"swatch\" style=\"background:{StrategyColors.Hex(strategy)}\"></span>{E(strategy)}</td><td>{E(atTrained)}</td><td>{E(atLongest)}</td><td>{within}</td><td>{E(passkeyLongest)}</td><td>{retrieves}</td><td>{E(keyLongest)}</td></tr>");
            }
            html.Append("</table>");
        }

        if (SeedSection.Applies(data)) SeedSection.Append(html, data, E);
        if (data.Comparison is { } comparison) AppendComparison(html, comparison, E);
        if (data.TunedModels.Count > 0) AppendTunings(html, data.TunedModels, E);

        foreach (var section in charts.GroupBy(c => c.Section))
        {
            bool grid = section.Key.EndsWith("heatmaps", StringComparison.Ordinal);
            html.Append($"<h2>{E(section.Key)}</h2><div class=\"{(grid ? "grid" : "")}\">");
            foreach (var chart in section)
                html.Append($"<figure><img alt=\"{E(chart.Title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(chart.Path))}\"><figcaption><b>{E(chart.Title)}</b> {E(chart.Caption)}</figcaption></figure>");
            html.Append("</div>");
        }

        html.Append("<h2>Failed cases</h2>");
        if (data.Failures.Count == 0) html.Append("<p class=\"good\">None.</p>");
        else
        {
            html.Append("<table><tr><th class=\"l\">case</th><th class=\"l\">error</th></tr>");
            foreach (var failure in data.Failures) html.Append($"<tr><td class=\"l\">{E(failure.DisplayName)}</td><td class=\"l\">{E(failure.Error)}</td></tr>");
            html.Append("</table>");
        }
        if (data.NotApplicable.Count > 0)
        {
            html.Append("<h2>Not applicable</h2><table><tr><th class=\"l\">case</th><th class=\"l\">why</th></tr>");
            foreach (var c in data.NotApplicable) html.Append($"<tr><td class=\"l\">{E(c.DisplayName)}</td><td class=\"l\">{E(c.Error)}</td></tr>");
            html.Append("</table>");
        }
        html.Append("</body></html>\n");
        return ReportFiles.Write(Path.Combine(folder, "report.html"), path => File.WriteAllText(path, html.ToString()));
    }

    private static void AppendTunings(StringBuilder html, IReadOnlyList<Eval.Core.Tuning.TuneCard> tunings, Func<object?, string> E)
    {
        html.Append("<h2>Fine-tuned models</h2><p>Each tuned from its source with the strategy applied in training as at evaluation; " +
                    "cost is this machine's wall and processor time for the whole tuning (a resumed tuning counts its last part only).</p>");
        html.Append("<table><tr><th class=\"l\">model</th><th class=\"l\">strategy</th><th class=\"l\">method</th><th>trainable</th><th>length</th><th>steps</th><th>tokens</th><th>lr</th><th>final loss</th>" +
                    "<th>seconds</th><th>s / step</th><th>processor s</th><th>peak memory</th></tr>");
        foreach (var t in tunings)
            html.Append(string.Create(CultureInfo.InvariantCulture,
                $"<tr><td class=\"l\">{E(t.Name)}</td><td class=\"l\">{E(t.Strategy)}</td><td class=\"l\">{E(Method(t))}</td><td>{(t.TrainableParameters > 0 ? t.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture) : "-")}</td><td>{t.Length}</td><td>{t.Steps}</td><td>{t.TrainingTokens:N0}</td><td>{t.LearningRate:G3}</td>" +
                $"<td>{t.FinalLoss:F3}</td><td>{t.Seconds:F0}</td><td>{t.SecondsPerStep:F2}</td><td>{t.CpuSeconds:F0}</td><td>{t.PeakBytes / (1024.0 * 1024):N0} MiB</td></tr>"));
        html.Append("</table>");
    }

    /// <summary>What trained and how attention ran while training, from the card's recipe line.</summary>
    private static string Method(Eval.Core.Tuning.TuneCard t) =>
        t.Method + (t.Recipe.Contains("attention=s2", StringComparison.Ordinal) ? " + S2-Attn" + (t.Recipe.Contains("shift=none", StringComparison.Ordinal) ? " (no shift)" : t.Recipe.Contains("shift=roll", StringComparison.Ordinal) ? " (roll)" : "") : "");

    private static void AppendComparison(StringBuilder html, RunComparison comparison, Func<object?, string> E)
    {
        html.Append($"<h2>Comparison with run {E(comparison.Baseline.Id)}</h2><p>Tolerance {comparison.Tolerance.ToString("P0", CultureInfo.InvariantCulture)}; " +
                    "a change regresses only beyond both the tolerance and the 95% sampling noise of the two figures: " +
                    (comparison.HasRegression ? "<span class=\"bad\">regressions found</span>" : "<span class=\"good\">no regression</span>") + ".</p>");
        html.Append("<table><tr><th class=\"l\">model</th><th class=\"l\">strategy</th><th>length</th><th class=\"l\">metric</th><th>baseline</th><th>candidate</th><th>change</th><th>noise</th><th class=\"l\">verdict</th></tr>");
        foreach (var change in comparison.Changes)
            html.Append($"<tr><td class=\"l\">{E(change.Model)}</td><td class=\"l\">{E(change.Strategy)}</td><td>{change.ContextLength}</td><td class=\"l\">{E(change.Metric)}</td>" +
                        $"<td>{change.Baseline.ToString("G5", CultureInfo.InvariantCulture)}</td><td>{change.Candidate.ToString("G5", CultureInfo.InvariantCulture)}</td>" +
                        $"<td class=\"{(change.Regressed ? "bad" : "")}\">{change.Change.ToString("+0.0%;-0.0%;0%", CultureInfo.InvariantCulture)}</td>" +
                        $"<td>{E(change.NoiseText)}</td><td class=\"l{(change.Regressed ? " bad" : "")}\">{E(change.Reading)}</td></tr>");
        html.Append("</table>");
        foreach (string failure in comparison.NewFailures) html.Append($"<p class=\"bad\">Newly failing: {E(failure)}</p>");
    }
}
