using System.Text.RegularExpressions;
using Eval.Cli;
using Eval.Core.Runtime;
using Eval.Core.Suites;

namespace Eval.Tests.Cluster;

/// <summary>
/// The Kubernetes Indexed Job in the README is not run here (no cluster); its command lines are checked against the
/// real CLI instead: each completion index becomes a distinct 1-based shard that `eval run` accepts, and the merge
/// line names every shard's database.
/// </summary>
public class KubernetesManifestTests
{
    const string Harness = "dotnet src/Eval.Cli/bin/Release/net10.0/eval.dll ";
    static readonly string Readme = File.ReadAllText(RepositoryPaths.Require("README.md"));
    static string Manifest => Regex.Match(Readme, @"```yaml\n(apiVersion: batch/v1\nkind: Job\n.*?)```", RegexOptions.Singleline).Groups[1].Value;

    [Test]
    public void ReadmeIndexedJob_EveryCompletionIndex_RunsItsOwnShardWithTheRealCli()
    {
        Assert.That(Manifest, Does.Contain("completionMode: Indexed"));
        int completions = int.Parse(Regex.Match(Manifest, @"completions: (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string command = Regex.Match(Manifest, "args: \\[\"(.*)\"\\]").Groups[1].Value;
        Assert.That(command, Does.StartWith(Harness), "the pod runs the built eval.dll");
        var root = EvalCli.BuildRoot(TextWriter.Null, TextWriter.Null);
        var databases = new HashSet<string>();
        for (int index = 0; index < completions; index++)
        {
            // What sh -c makes of $((JOB_COMPLETION_INDEX + 1)) in pod number `index`.
            string[] args = command[Harness.Length..].Replace("$((JOB_COMPLETION_INDEX + 1))", $"{index + 1}", StringComparison.Ordinal).Split(' ');
            Assert.That(root.Parse(args).Errors, Is.Empty, string.Join(" ", args));
            Assert.That(args[0], Is.EqualTo("run"));
            Assert.That(ShardSpec.Parse(args[Array.IndexOf(args, "--shard") + 1]), Is.EqualTo(new ShardSpec(index + 1, completions)));
            Assert.That(databases.Add(args[Array.IndexOf(args, "--db") + 1]), "each pod writes its own database");
        }
    }

    [Test]
    public void ReadmeIndexedJob_MergeLine_NamesEveryShardAndParses()
    {
        int completions = int.Parse(Regex.Match(Manifest, @"completions: (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string merge = Regex.Match(Readme, "`" + Regex.Escape(Harness) + "(merge [^`]*)`").Groups[1].Value;
        string[] args = merge.Split(' ');
        Assert.That(EvalCli.BuildRoot(TextWriter.Null, TextWriter.Null).Parse(args).Errors, Is.Empty, merge);
        Assert.That(args, Is.SupersetOf(Enumerable.Range(1, completions).Select(i => $"/results/shard-{i}.db")));
        Assert.That(args, Does.Contain("--suite"));
    }
}
