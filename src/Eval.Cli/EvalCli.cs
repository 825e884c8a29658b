using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Eval.Cli.Commands;

namespace Eval.Cli;

/// <summary>Builds the `eval` command tree and maps outcomes to the documented exit codes.</summary>
public static class EvalCli
{
    /// <summary>The whole command tree (also read by the test that checks run-eval.ps1 against it).</summary>
    public static RootCommand BuildRoot(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Extrapolation evaluation harness: how language models behave beyond their training context.");
        foreach (var command in Commands(output, error)) root.Subcommands.Add(command);
        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = BuildRoot(output, error);

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors) WriteLines(error, parseError.Message);
            error.WriteLine("Run 'eval --help' for usage.");
            return ExitCodes.InvalidInput;
        }
        // SIGINT (Ctrl-C) and SIGTERM (what schedulers send) cancel the token instead of ending the process: a case
        // notices between batches, the run is marked interrupted and the command exits 1. A second signal ends the
        // process at once (the case in flight is lost; `eval runs` shows the run abandoned once its process is gone).
        // System.CommandLine's own handling is off (ProcessTerminationTimeout = null): with it, `eval run` ended with
        // exit 130 at the first Ctrl-C (measured), leaving the run marked Running.
        // Only commands that take the token (run, tune, zoo train) are asked to stop; any other still ends at once.
        using var interrupt = new CancellationTokenSource();
        bool cooperative = parse.Action is AsynchronousCommandLineAction;
        using var sigint = cooperative ? PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Interrupt(context, interrupt, error)) : null;
        using var sigterm = cooperative ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Interrupt(context, interrupt, error)) : null;
        try
        {
            return parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
            }, interrupt.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            // A command that stops by throwing (eval zoo train saves its state first): exit 1, as eval run does.
            error.WriteLine("interrupted: run the same command again to resume");
            return ExitCodes.CaseFailed;
        }
        catch (Exception e) when (KnownInputErrors.Describe(e) is string message)
        {
            WriteLines(error, message);
            return ExitCodes.InvalidInput;
        }
    }

    /// <summary>A message, which may quote names the user or a file supplied, line by line with control characters shown visibly.</summary>
    private static void WriteLines(TextWriter error, string message)
    {
        foreach (string line in Reporting.PrintableText.Lines(message)) error.WriteLine(line);
    }

    private static void Interrupt(PosixSignalContext context, CancellationTokenSource interrupt, TextWriter error)
    {
        if (interrupt.IsCancellationRequested) return; // the second signal: the default action ends the process
        context.Cancel = true;
        error.WriteLine($"{context.Signal}: stopping after the case in flight (send it again to end at once)");
        interrupt.Cancel();
    }

    static IEnumerable<Command> Commands(TextWriter output, TextWriter error)
    {
        yield return RopeCommand.Create(output);
        yield return ScoreCommand.Create(output, error);
        yield return ZooCommand.Create(output);
        yield return CorpusCommand.Create(output);
        yield return ValidateCommand.Create(output);
        yield return RunCommand.Create(output);
        yield return TuneCommand.Create(output);
        foreach (var command in RunsCommand.Create(output)) yield return command;
        foreach (var command in ReportCommand.Create(output)) yield return command;
        yield return PairedCommand.Create(output);
        yield return BenchCommand.Create(output);
        yield return CostCommand.Create(output);
        yield return GgufCommand.Create(output);
        yield return SlurmCommand.Create(output);
    }
}
