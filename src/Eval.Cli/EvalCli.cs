using System.CommandLine;
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
            foreach (var parseError in parse.Errors) error.WriteLine(parseError.Message);
            error.WriteLine("Run 'eval --help' for usage.");
            return ExitCodes.InvalidInput;
        }
        try
        {
            // Ctrl-C cancels the token; a case notices between batches and the run is marked interrupted. The grace
            // period covers a long window in flight before the process is ended anyway (its case is then lost,
            // and the next run marks the run interrupted).
            return parse.Invoke(new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
            });
        }
        catch (Exception e) when (KnownInputErrors.Describe(e) is string message)
        {
            error.WriteLine(message);
            return ExitCodes.InvalidInput;
        }
    }

    static IEnumerable<Command> Commands(TextWriter output, TextWriter error)
    {
        yield return RopeCommand.Create(output);
        yield return ScoreCommand.Create(output, error);
        yield return ZooCommand.Create(output);
        yield return ValidateCommand.Create(output);
        yield return RunCommand.Create(output);
        yield return TuneCommand.Create(output);
        foreach (var command in RunsCommand.Create(output)) yield return command;
        foreach (var command in ReportCommand.Create(output)) yield return command;
        yield return BenchCommand.Create(output);
        yield return CostCommand.Create(output);
        yield return SlurmCommand.Create(output);
    }
}
