using Eval.Core.Running;
using Eval.Core.Results;
using System.Globalization;
using Eval.Core.Suites;
using Eval.Reporting;
using Eval.Storage;

namespace Eval.Cli.Running;

/// <summary>
/// Timestamped lines, one per finished case: what schedulers and CI logs keep. Quiet keeps only failures. Each line is
/// made printable whole, so a model name or an error cannot send escape codes or start a line of its own.
/// </summary>
public sealed class PlainRunReporter(TextWriter output, bool quiet) : IRunReporter
{
    private DateTime started = DateTime.UtcNow;
    private int done, pending;

    private void Line(string text) => output.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} {PrintableText.Of(text)}");

    public void RunStarted(string runId, int total, int pendingCases)
    {
        (started, pending) = (DateTime.UtcNow, pendingCases);
        Line($"run {runId}: {total} cases, {pendingCases} to compute");
    }

    public void Message(string text) { if (!quiet) Line(text); }
    public void CaseStarted(EvalCase evalCase, int index, int total) { }
    public void CaseProgress(double fraction) { }

    public void CaseFinished(EvalCase evalCase, CaseResult result, string headline)
    {
        done++;
        if (quiet && result.Status == CaseStatus.Completed) return;
        var elapsed = DateTime.UtcNow - started;
        var eta = done < pending ? TimeSpan.FromSeconds(elapsed.TotalSeconds / done * (pending - done)) : TimeSpan.Zero;
        string outcome = result.Status == CaseStatus.Failed ? $"FAILED: {result.Error}" : headline;
        Line(string.Create(CultureInfo.InvariantCulture,
            $"[{done}/{pending}] {evalCase.DisplayName}  {outcome}  ({result.Seconds:F1}s, {result.TokensPerSecond:N0} tok/s, peak {result.PeakMemoryBytes / 1048576.0:N0} MiB, eta {eta:hh\\:mm\\:ss})"));
    }
}
