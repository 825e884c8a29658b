using Eval.Core.Suites;

namespace Eval.Cli.Commands;

/// <summary>Loading a suite for a verb: an invalid suite is exit code 2 with every problem listed, nothing run or written.</summary>
public static class SuiteArguments
{
    public static Suite LoadOrThrow(string path)
    {
        var loaded = SuiteLoader.Load(path);
        if (!loaded.IsValid)
            throw new InvalidInputException($"{path}: {loaded.Errors.Count} problem(s):\n" + string.Join("\n", loaded.Errors.Select(e => e.ToString())));
        return loaded.Suite!;
    }

    public static string DefaultDatabase => Path.Combine("results", "eval.db");
}
