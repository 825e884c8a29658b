using Eval.Core.Runtime;
using Eval.Core.Suites;

namespace Eval.Tests.Suites;

/// <summary>Every suite the repository ships loads without a problem, so docs that name them stay runnable.</summary>
public class CommittedSuitesTests
{
    static IEnumerable<string> Suites()
    {
        string suites = RepositoryPaths.Require("suites");
        return Directory.EnumerateFiles(suites, "*.yaml", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) != "zoo.yaml") // the zoo's definition, not a suite
            .Select(path => Path.GetRelativePath(Path.GetDirectoryName(suites)!, path))
            .Order();
    }

    [TestCaseSource(nameof(Suites))]
    public void CommittedSuite_Loads(string relativePath)
    {
        var result = SuiteLoader.Load(RepositoryPaths.Require(relativePath));
        // An example for a real checkpoint points at the user's own download, which this machine lacks; nothing else may fail.
        var problems = result.Errors.Where(e => !(e.Message.StartsWith("Model \"/models/", StringComparison.Ordinal) && e.Message.EndsWith("not found.", StringComparison.Ordinal)));
        Assert.That(problems, Is.Empty, string.Join("\n", problems.Select(e => e.ToString())));
    }
}
