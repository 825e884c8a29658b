using System.Globalization;
using System.Text;
using Eval.Core.Results;
using Eval.Core.Suites;
using Eval.Core.Tasks;

namespace Eval.Reporting;

/// <summary>
/// The report's section for runs with training seeds: each row's headline as mean +/- s.d. across seeds, and each row
/// against the best row at every length by the paired test of <see cref="SeedRows.Compare"/>.
/// </summary>
public static class SeedSection
{
    public static bool Applies(ReportData data) => data.Cases.Any(c => TrainingSeed.Parse(c.Model).Seed is not null);

    public static void Append(StringBuilder html, ReportData data, Func<object?, string> E)
    {
        html.Append("<h2>Across training seeds</h2><p>Models tuned once per seed of the suite's <code>seeds:</code> are folded into one row: each cell is the mean of the seeds' figures &plusmn; their sample standard deviation (n seeds). " +
                    "The second table puts every row against the best row at each length: the change B &minus; best with its 95% interval and two-sided p from a paired, two-level percentile bootstrap " +
                    $"({PairedBootstrap.Resamples:N0} resamples: the seeds with replacement, then the documents or passkey trials with replacement, the same for every seed); perplexity is paired by each document's mean token NLL, " +
                    "passkey by trial. Rows are paired seed by seed; a model trained once pairs with every seed. A difference counts only when its interval excludes zero.</p>");
        foreach (var task in data.Cases.Select(c => (c.Task, c.TaskParameters)).Distinct())
        {
            if (TaskRegistry.HeadlineOf(task.Task) is not { } headline) continue;
            var figures = SeedRows.Figures(data.Cases.Where(c => c.TaskParameters == task.TaskParameters), task.Task);
            if (figures.Count == 0) continue;
            var lengths = figures.Select(f => f.ContextLength).Distinct().Order().ToList();
            var rows = figures.Select(f => f.Row).Distinct().ToList();

            html.Append($"<h3>{E(task.Task)}: {E(headline.Name)} ({(headline.HigherIsBetter ? "higher" : "lower")} is better)</h3><table class=\"figures\"><tr><th class=\"l\">model | strategy</th>");
            foreach (int length in lengths) html.Append($"<th>{PlotStyle.Tokens(length)}</th>");
            html.Append("</tr>");
            foreach (var row in rows)
            {
                html.Append($"<tr><td class=\"l\">{E(row)}</td>");
                foreach (int length in lengths)
                    html.Append(figures.FirstOrDefault(f => f.Row == row && f.ContextLength == length) is { } f
                        ? $"<td>{PairedText.Figure(headline, f.Mean)}{(f.StandardDeviation is double sd ? " &plusmn; " + PairedText.Figure(headline, sd) : "")} ({f.Seeds})</td>" : "<td>-</td>");
                html.Append("</tr>");
            }
            html.Append("</table>");

            html.Append("<table class=\"figures\"><tr><th>length</th><th class=\"l\">best row</th><th class=\"l\">row</th><th>change vs best</th><th>95% interval</th><th>p</th><th>seeds x units</th><th class=\"l\">reading</th></tr>");
            foreach (int length in lengths)
            {
                var here = figures.Where(f => f.ContextLength == length).OrderBy(f => headline.HigherIsBetter ? -f.Mean : f.Mean).ToList();
                var best = here[0];
                foreach (var other in here.Skip(1))
                {
                    string cells = SeedRows.Compare(best.Cases, other.Cases) is { } d
                        ? Cells(headline, d) : "<td>-</td><td>-</td><td>-</td><td>-</td><td class=\"l\">no paired units</td>";
                    html.Append($"<tr><td>{PlotStyle.Tokens(length)}</td><td class=\"l\">{E(best.Row)}</td><td class=\"l\">{E(other.Row)}</td>{cells}</tr>");
                }
            }
            html.Append("</table>");
        }
    }

    private static string Cells(HeadlineMetric headline, PairedDifference d)
    {
        var (change, low, high) = SeedRows.AsChange(headline, d);
        string F(double v) => PairedText.Change(headline, v);
        return $"<td>{F(change)}</td><td>[{F(low)}, {F(high)}]</td><td>{PairedText.P(d.P)}</td><td>{d.Seeds} x {d.Units}</td>" +
               $"<td class=\"l\">{(d.Distinguishable ? "distinguishable" : "not distinguishable")}</td>";
    }
}

/// <summary>How paired figures are printed, the same in the report and on terminals.</summary>
public static class PairedText
{
    /// <summary>A headline figure: perplexity to two decimals, accuracy as a whole percentage.</summary>
    public static string Figure(HeadlineMetric headline, double value) =>
        value.ToString(headline.RelativeChange ? "F2" : "P0", CultureInfo.InvariantCulture);

    /// <summary>A change of the headline, signed: relative for perplexity (+3.1%), absolute for accuracy (+0.25).</summary>
    public static string Change(HeadlineMetric headline, double change) =>
        change.ToString(headline.RelativeChange ? "+0.0%;-0.0%;0%" : "+0.00;-0.00;0", CultureInfo.InvariantCulture);

    /// <summary>p to two significant digits, or "&lt;= 0.0002" at the bootstrap's floor of 2 / <see cref="PairedBootstrap.Resamples"/>.</summary>
    public static string P(double p) => p <= 2.0 / PairedBootstrap.Resamples ? $"<= {(2.0 / PairedBootstrap.Resamples).ToString("G2", CultureInfo.InvariantCulture)}" : p.ToString("G2", CultureInfo.InvariantCulture);
}
