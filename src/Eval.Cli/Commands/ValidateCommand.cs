using System.CommandLine;
using Eval.Core.Suites;

namespace Eval.Cli.Commands;

/// <summary>`eval validate SUITE`: checks a suite and its models without running anything.</summary>
public static class ValidateCommand
{
    public static Command Create(TextWriter output)
    {
        var suite = new Argument<string>("SUITE") { Description = "Suite file (YAML)." };
        var command = new Command("validate", "Check a suite file: every problem at once, with file:line:column. Runs nothing.") { suite };
        command.SetAction(parse =>
        {
            var loaded = SuiteArguments.LoadOrThrow(parse.GetValue(suite)!);
            // A run would fail these models' cases; validation is where to hear it first, as errors.
            if (loaded.TrainingProblems is { Count: > 0 } problems)
                throw new InvalidInputException($"{parse.GetValue(suite)}: {problems.Count} problem(s):\n" + string.Join("\n", problems.Values.Select(e => e.ToString())));
            int strategies = loaded.Models.Sum(m => m.Strategies.Count);
            var cases = MatrixExpander.Expand(loaded, m => m.Reference);
            output.WriteLine($"suite OK: {cases.Count} cases ({loaded.Models.Count} models, {strategies} model x strategy pairs, " +
                             $"{loaded.Models.Sum(m => loaded.Lengths.For(m).Count) / loaded.Models.Count} lengths, {loaded.Tasks.Count} tasks)");
            return ExitCodes.Ok;
        });
        return command;
    }
}
