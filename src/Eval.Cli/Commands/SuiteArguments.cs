using System.CommandLine;
using Eval.Core.Suites;
using Eval.Storage;

namespace Eval.Cli.Commands;

/// <summary>
/// What several verbs share: loading a suite (an invalid one is exit code 2 with every problem listed, nothing run or
/// written) and the --db option with its store.
/// </summary>
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

    public static Option<string> DatabaseOption() =>
        new("--db") { Description = "Result database.", DefaultValueFactory = _ => DefaultDatabase };

    /// <summary>A store that must already exist (the reading verbs): a missing file is exit code 2, not a new empty store.
    /// It is opened read-only, so a store in a read-only folder can be listed and reading never alters it.</summary>
    public static ResultStore OpenExistingStore(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException($"--db: {path} does not exist; run a suite first (eval run SUITE).");
        try { return ResultStore.OpenReadOnly(path); }
        catch (StoreException e) { throw new InvalidInputException($"--db: {e.Message}"); }
    }
}
