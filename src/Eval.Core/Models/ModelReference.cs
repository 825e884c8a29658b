using Eval.Core.Runtime;

namespace Eval.Core.Models;

/// <summary>Resolves a model reference: <c>zoo:NAME</c> (a bundled zoo model under suites/zoo) or a checkpoint directory.</summary>
public static class ModelReference
{
    public const string ZooPrefix = "zoo:";

    /// <summary>The checkpoint directory a reference names; <paramref name="baseFolder"/> anchors relative paths and the zoo search.</summary>
    public static string Resolve(string reference, string? baseFolder = null)
    {
        if (reference.StartsWith(ZooPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string name = reference[ZooPrefix.Length..];
            string zoo = RepositoryPaths.Find(Path.Combine("suites", "zoo"), baseFolder)
                ?? throw new DirectoryNotFoundException($"Model \"{reference}\": no suites/zoo folder found above {baseFolder ?? Directory.GetCurrentDirectory()}.");
            return Path.Combine(zoo, name);
        }
        return Path.GetFullPath(reference, baseFolder ?? Directory.GetCurrentDirectory());
    }

    /// <summary>Zoo models that have a checkpoint (a config.json), by name.</summary>
    public static IReadOnlyList<string> ZooModels(string? baseFolder = null)
    {
        string? zoo = RepositoryPaths.Find(Path.Combine("suites", "zoo"), baseFolder);
        return zoo is null ? [] : Directory.GetDirectories(zoo).Where(d => File.Exists(Path.Combine(d, "config.json")))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
    }
}
