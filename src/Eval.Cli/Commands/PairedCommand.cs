using System.CommandLine;
using System.Globalization;
using Eval.Core.Results;
using Eval.Core.Tasks;
using Eval.Core.Validation;
using Eval.Reporting;
using Eval.Storage;

namespace Eval.Cli.Commands;

/// <summary>`eval paired A B`: two rows of a run against each other, at every length and task both have, by the paired test.</summary>
public static class PairedCommand
{
    public static Command Create(TextWriter output)
    {
        var db = SuiteArguments.DatabaseOption();
        var run = new Option<string>("--run") { Description = "Run id, or latest.", DefaultValueFactory = _ => "latest" };
        var first = new Argument<string>("A") { Description = "The reference row: MODEL or MODEL|STRATEGY, MODEL without @seed=S (its seeds are folded together); tune: and zoo: may be left out." };
        var second = new Argument<string>("B") { Description = "The row compared with it, written the same way." };
        var command = new Command("paired", "Compare two rows of a run (model | strategy, training seeds folded together) at each length and task by a paired two-level bootstrap: " +
            "mean +/- s.d. across seeds, B's change from A with its 95% interval and p.") { first, second, db, run };
        command.SetAction(parse =>
        {
            using var store = SuiteArguments.OpenExistingStore(parse.GetValue(db)!);
            string id = parse.GetValue(run)!;
            var info = store.GetRun(id) ?? throw new InvalidInputException(
                $"--run: no run \"{id}\" in {store.Path}. Runs: {string.Join(", ", store.ListRuns().Select(r => r.Id).DefaultIfEmpty("none"))}; or use latest.");
            var cases = store.LoadCases(info.Id);
            var rows = cases.Select(SeedRows.RowOf).Distinct().ToList();
            var a = Row(parse.GetValue(first)!, "A", rows);
            var b = Row(parse.GetValue(second)!, "B", rows);
            output.WriteLine($"run {info.Id}: B = {PrintableText.Of(b.ToString())} against A = {PrintableText.Of(a.ToString())} " +
                $"(paired two-level bootstrap, {PairedBootstrap.Resamples:N0} resamples, 95% interval)");
            int lines = 0;
            foreach (var task in cases.Select(c => (c.Task, c.TaskParameters)).Distinct())
            {
                if (TaskRegistry.HeadlineOf(task.Task) is not { } headline) continue;
                var figures = SeedRows.Figures(cases.Where(c => c.TaskParameters == task.TaskParameters), task.Task);
                foreach (var fa in figures.Where(f => f.Row == a).OrderBy(f => f.ContextLength))
                {
                    if (figures.FirstOrDefault(f => f.Row == b && f.ContextLength == fa.ContextLength) is not { } fb) continue;
                    output.WriteLine($"  {task.Task} {headline.Name} at {fa.ContextLength}: A {Figure(headline, fa)}, B {Figure(headline, fb)}: {Test(headline, SeedRows.Compare(fa.Cases, fb.Cases))}");
                    lines++;
                }
            }
            if (lines == 0) throw new InvalidInputException($"rows {PrintableText.Of(a.ToString())} and {PrintableText.Of(b.ToString())} of run {info.Id} have no completed case at a common length and task.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>MODEL or MODEL|STRATEGY as one of the run's rows; a model with one strategy needs none named.</summary>
    private static SeedRow Row(string text, string argument, IReadOnlyList<SeedRow> rows)
    {
        int bar = text.LastIndexOf('|');
        string model = (bar < 0 ? text : text[..bar]).Trim(), strategy = bar < 0 ? "" : text[(bar + 1)..].Trim();
        // tune:NAME and zoo:NAME may be named without their prefix, as the report's headings show them.
        static string Bare(string group) => group.StartsWith("tune:", StringComparison.Ordinal) ? group[5..] : group.StartsWith("zoo:", StringComparison.Ordinal) ? group[4..] : group;
        var ofModel = rows.Where(r => r.Group == model).ToList();
        if (ofModel.Count == 0) ofModel = rows.Where(r => Bare(r.Group) == model).ToList();
        var names = rows.Select(r => r.Group).Distinct().ToList();
        if (ofModel.Count == 0)
            throw new InvalidInputException($"{argument}: no model \"{PrintableText.Of(model)}\" in the run. Models: {PrintableText.Of(string.Join(", ", names))}.{DidYouMean.Hint(model, names)}");
        if (strategy.Length == 0)
            return ofModel.Count == 1 ? ofModel[0] : throw new InvalidInputException(
                $"{argument}: model \"{PrintableText.Of(model)}\" ran {ofModel.Count} strategies; name one as MODEL|STRATEGY. Strategies: {PrintableText.Of(string.Join(", ", ofModel.Select(r => r.Strategy)))}.");
        return ofModel.FirstOrDefault(r => r.Strategy == strategy) ?? throw new InvalidInputException(
            $"{argument}: model \"{PrintableText.Of(model)}\" has no strategy \"{PrintableText.Of(strategy)}\". Strategies: {PrintableText.Of(string.Join(", ", ofModel.Select(r => r.Strategy)))}.");
    }

    private static string Figure(HeadlineMetric headline, SeedFigure f)
    {
        string F(double v) => PairedText.Figure(headline, v);
        return f.StandardDeviation is double sd ? $"{F(f.Mean)} +/- {F(sd)} ({f.Seeds} seeds)" : $"{F(f.Mean)} ({f.Seeds} seed)";
    }

    private static string Test(HeadlineMetric headline, PairedDifference? d)
    {
        if (d is null) return "no paired units (the task stores none, or the rows share no seed or fewer than 2 units)";
        var (change, low, high) = SeedRows.AsChange(headline, d);
        string F(double v) => PairedText.Change(headline, v);
        bool better = headline.HigherIsBetter ? d.Estimate > 0 : d.Estimate < 0;
        string reading = !d.Distinguishable ? "not distinguishable" : better ? "B better" : "B worse";
        return $"change {F(change)} [{F(low)}, {F(high)}], p {PairedText.P(d.P)} ({d.Seeds} x {d.Units} units): {reading}";
    }
}
