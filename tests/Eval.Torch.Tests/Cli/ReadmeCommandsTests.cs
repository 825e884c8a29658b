using Eval.Cli;
using Eval.Core.Runtime;

namespace Eval.Torch.Tests.Cli;

/// <summary>The concrete `eval` commands the README shows are real: it contains them verbatim and each succeeds.</summary>
public class ReadmeCommandsTests
{
    static readonly string Readme = File.ReadAllText(RepositoryPaths.Require("README.md"));

    [TestCase("eval rope --type yarn --head-dim 128 --theta 10000 --factor 16 --original-context 4096", "attention factor 1.27726")]
    [TestCase("eval zoo list", "rope-10k")]
    [TestCase("eval validate suites/quick.yaml", "suite OK: 600 cases")]
    [TestCase("eval validate suites/smoke.yaml", "suite OK: 12 cases")]
    public void ReadmeCommand_RunsAndSucceeds(string command, string expected)
    {
        string inReadme = command.StartsWith("eval validate suites/", StringComparison.Ordinal) ? command.Split('/')[^1] : command;
        Assert.That(Readme, Does.Contain(inReadme), "the README shows this command");
        string root = Path.GetDirectoryName(RepositoryPaths.Require("README.md"))!;
        string[] args = command.Split(' ')[1..].Select(a => a.StartsWith("suites/", StringComparison.Ordinal) ? Path.Combine(root, a) : a).ToArray();
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = EvalCli.Run(args, output, error);
        Assert.That(exit, Is.EqualTo(0), error.ToString());
        Assert.That(output.ToString(), Does.Contain(expected));
    }
}
