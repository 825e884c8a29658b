using Eval.Core.Results;
using System.Diagnostics;
using Eval.Cli.Running;

namespace Eval.Tests.Running;

public class ProvenanceCollectorTests
{
    static void Git(string directory, string arguments)
    {
        using var git = Process.Start(new ProcessStartInfo("git", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true })!;
        git.WaitForExit();
        Assert.That(git.ExitCode, Is.Zero, $"git {arguments}: {git.StandardError.ReadToEnd()}");
    }

    [Test]
    public void GitCommit_CleanTreeThenEditedTrackedFile_IsTheHashThenTheHashMarkedDirty()
    {
        string repo = Directory.CreateTempSubdirectory("eval-provenance-").FullName;
        try
        {
            Assert.That(ProvenanceCollector.GitCommit(repo), Is.Null, "not a repository yet");
            Git(repo, "init -q");
            File.WriteAllText(Path.Combine(repo, "suite.yaml"), "name: a\n");
            Git(repo, "add suite.yaml");
            Git(repo, "-c user.name=t -c user.email=t@t commit -q -m first");

            string? clean = ProvenanceCollector.GitCommit(repo);
            Assert.That(clean, Does.Match("^[0-9a-f]{40}$"));
            File.WriteAllText(Path.Combine(repo, "untracked.txt"), "results are not code");
            Assert.That(ProvenanceCollector.GitCommit(repo), Is.EqualTo(clean), "untracked files do not make the code dirty");
            File.WriteAllText(Path.Combine(repo, "suite.yaml"), "name: b\n");
            Assert.That(ProvenanceCollector.GitCommit(repo), Is.EqualTo(clean + "-dirty"));
        }
        finally { Directory.Delete(repo, recursive: true); }
    }
}
