namespace Eval.Core.Runtime;

/// <summary>
/// Finds the harness's bundled files (suites/zoo, suites/corpora) by searching upward from a starting folder, the
/// current directory and the application's folder, so `eval` works from the repository root, from a build output
/// folder, and in tests.
/// </summary>
public static class RepositoryPaths
{
    /// <summary>The first existing <paramref name="relativePath"/> above any start folder, or null.</summary>
    public static string? Find(string relativePath, string? startFolder = null)
    {
        var starts = new[] { startFolder, Directory.GetCurrentDirectory(), AppContext.BaseDirectory }.OfType<string>();
        foreach (string start in starts)
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relativePath);
                if (Directory.Exists(candidate) || File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>Like <see cref="Find"/>, but a missing path is an error that says where it looked.</summary>
    public static string Require(string relativePath, string? startFolder = null) =>
        Find(relativePath, startFolder) ?? throw new FileNotFoundException(
            $"Cannot find {relativePath} above {startFolder ?? Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}. " +
            "Run from the repository, or pass the path explicitly.");
}
