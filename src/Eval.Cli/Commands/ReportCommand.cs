using System.CommandLine;
using System.Globalization;
using Eval.Cli.Running;
using Eval.Core.Results;
using Eval.Core.Tuning;
using Eval.Reporting;
using Eval.Storage;

namespace Eval.Cli.Commands;

/// <summary>`eval report` and `eval compare`: the HTML report of a run, and the regression gate between two runs.</summary>
public static class ReportCommand
{
    public static IEnumerable<Command> Create(TextWriter output)
    {
        yield return Report(output);
        yield return Compare(output);
    }



    private static RunInfo FindRun(ResultStore store, string id, string option) =>
        store.GetRun(id) ?? throw new InvalidInputException(
            $"{option}: no run \"{id}\" in {store.Path}. Runs: {string.Join(", ", store.ListRuns().Select(r => r.Id).DefaultIfEmpty("none"))}; or use latest.");

    /// <summary>A run's report data, with the cards of its tuned models from the tuned/ folder beside the database.</summary>
    private static ReportData Data(ResultStore store, RunInfo run, RunComparison? comparison)
    {
        var cases = store.LoadCases(run.Id);
        string tuned = ModelSources.TunedFolder(store.Path);
        var cards = cases.Select(c => c.ModelFingerprint).Distinct().Select(key => TuneCard.Find(tuned, key)).OfType<TuneCard>().ToList();
        return new ReportData(run, cases, comparison, RunModelConfigs.Read(run, cases, tuned), cards);
    }

    /// <summary>
    /// Writes the report, turning a failure into exit 2 with its real cause: a folder that cannot be created (under a
    /// regular file, in /proc) names --out; a file in it that cannot be written (a folder in its place, a full disk) names that file.
    /// </summary>
    private static (string Html, IReadOnlyList<ChartFile> Charts) WriteReport(ReportData data, string folder)
    {
        try { return ReportWriter.Write(data, folder); }
        catch (ReportFileException e)
        {
            throw new InvalidInputException($"--out {folder}: {e.Message.TrimEnd('.')}. Name a folder where the report's files can be written.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"--out {folder}: the folder cannot be created or written ({e.Message}). Name a folder that can be created and written.");
        }
    }

    private static Command Report(TextWriter output)
    {
        var db = SuiteArguments.DatabaseOption();
        var run = new Option<string>("--run") { Description = "Run id, or latest.", DefaultValueFactory = _ => "latest" };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: results/report-RUN)." };
        var command = new Command("report", "Write report.html (self-contained) and its PNG charts for a run.") { db, run, outDir };
        command.SetAction(parse =>
        {
            using var store = SuiteArguments.OpenExistingStore(parse.GetValue(db)!);
            var info = FindRun(store, parse.GetValue(run)!, "--run");
            string folder = parse.GetValue(outDir) ?? Path.Combine("results", $"report-{info.Id}");
            var (html, charts) = WriteReport(Data(store, info, null), folder);
            output.WriteLine($"report: {PrintableText.Of(html)} ({charts.Count} charts)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Compare(TextWriter output)
    {
        var db = SuiteArguments.DatabaseOption();
        var baseline = new Option<string>("--baseline") { Description = "Baseline run id, or previous (latest earlier run of the candidate's suite).", DefaultValueFactory = _ => "previous" };
        var candidate = new Option<string>("--candidate") { Description = "Candidate run id, or latest.", DefaultValueFactory = _ => "latest" };
        var tolerance = new Option<double>("--tolerance") { Description = "Allowed relative perplexity rise / absolute accuracy drop.", DefaultValueFactory = _ => 0.05 };
        var outDir = new Option<string?>("--out") { Description = "Also write the candidate's report with the comparison section here." };
        var paired = new Option<bool>("--paired") { Description = "Judge noise by a paired bootstrap over each case's documents / passkey trials (the same in both runs) instead of as two independent samples." };
        var command = new Command("compare", "Compare a run with a baseline; exit code 3 when a headline metric regresses beyond both the tolerance and the two figures' 95% sampling noise, 2 when the runs have no case in common.")
        {
            db, baseline, candidate, tolerance, outDir, paired,
        };
        command.SetAction(parse =>
        {
            double allowed = parse.GetValue(tolerance);
            if (!(allowed >= 0)) throw new InvalidInputException($"--tolerance {allowed} is not valid: it must be >= 0.");
            using var store = SuiteArguments.OpenExistingStore(parse.GetValue(db)!);
            var after = FindRun(store, parse.GetValue(candidate)!, "--candidate");
            string baselineId = parse.GetValue(baseline)!;
            var before = baselineId == "previous" ? store.PreviousRun(after.Id) : FindRun(store, baselineId, "--baseline");
            if (before is null)
            {
                output.WriteLine($"no earlier run of suite {PrintableText.Of(after.SuiteName)} to compare run {after.Id} with");
                return ExitCodes.Ok;
            }
            bool isPaired = parse.GetValue(paired);
            var comparison = RunComparison.Compute(before, store.LoadCases(before.Id), after, store.LoadCases(after.Id), allowed, isPaired);
            // Zero figures compared is no evidence of no regression: runs with no case in common are refused, not passed.
            if (comparison.SharedCases == 0)
                throw new InvalidInputException($"nothing to compare: baseline run {before.Id} (suite {PrintableText.Of(before.SuiteName)}) and candidate run {after.Id} " +
                    $"(suite {PrintableText.Of(after.SuiteName)}) have no case in common (same model, strategy, length, task and parameters).");
            output.WriteLine($"compare {before.Id} -> {after.Id} (tolerance {allowed.ToString("P0", CultureInfo.InvariantCulture)}, noise: 95% {(isPaired ? "paired bootstrap interval over documents and passkey trials" : "sampling interval")}): {comparison.Changes.Count} figures");
            foreach (var change in comparison.Changes.Where(c => c.Regressed || c.Change != 0))
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(change.Regressed ? "REGRESSION" : "changed   ")} {PrintableText.Of(change.Model)} | {PrintableText.Of(change.Strategy)} | {change.ContextLength} | {change.Metric}: {change.Baseline:G5} -> {change.Candidate:G5} ({change.Change:+0.0%;-0.0%;0%}, noise {change.NoiseText}): {change.Reading}"));
            foreach (string failure in comparison.NewFailures) output.WriteLine($"  REGRESSION newly failing: {PrintableText.Of(failure)}");
            if (parse.GetValue(outDir) is string folder)
                output.WriteLine($"report: {PrintableText.Of(WriteReport(Data(store, after, comparison), folder).Html)}");
            output.WriteLine(comparison.HasRegression ? "regression found" : "no regression");
            return comparison.HasRegression ? ExitCodes.Regression : ExitCodes.Ok;
        });
        return command;
    }
}
