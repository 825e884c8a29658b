using Eval.Core.Running;
using Eval.Core.Results;
using System.Globalization;
using Eval.Core.Suites;
using Eval.Reporting;
using Eval.Storage;
using Spectre.Console;

namespace Eval.Cli.Running;

/// <summary>A live display for terminals: an overall bar with ETA, a bar for the case in flight, and a line per finished case.</summary>
public sealed class SpectreRunReporter(IAnsiConsole console, ProgressContext context, bool quiet) : IRunReporter
{
    private ProgressTask? overall, current;

    /// <summary>Untrusted text shown as itself: control characters escaped visibly, then Spectre markup ([red]) escaped.</summary>
    private static string Text(string? text) => PrintableText.Of(text).EscapeMarkup();

    public void RunStarted(string runId, int total, int pending)
    {
        console.MarkupLine($"run [bold]{Text(runId)}[/]: {total} cases, {pending} to compute");
        overall = context.AddTask("overall", maxValue: Math.Max(1, pending));
    }

    public void Message(string text) { if (!quiet) console.MarkupLine($"[grey]{Text(text)}[/]"); }

    public void CaseStarted(EvalCase evalCase, int index, int total)
    {
        current?.StopTask();
        current = context.AddTask(Text(evalCase.DisplayName), maxValue: 1);
    }

    public void CaseProgress(double fraction) { if (current is not null) current.Value = fraction; }

    public void CaseFinished(EvalCase evalCase, CaseResult result, string headline)
    {
        if (current is not null) { current.Value = 1; current.StopTask(); }
        overall?.Increment(1);
        if (result.Status == CaseStatus.Failed)
            console.MarkupLine($"[red]FAILED[/] {Text(evalCase.DisplayName)}: {Text(result.Error)}");
        else if (result.Status == CaseStatus.NotApplicable)
            console.MarkupLine($"[yellow]n/a[/] {Text(evalCase.DisplayName)}: {Text(result.Error)}");
        else if (!quiet)
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"[green]done[/] {Text(evalCase.DisplayName)}  {Text(headline)}  [grey]({result.Seconds:F1}s, {result.TokensPerSecond:N0} tok/s)[/]"));
    }
}
