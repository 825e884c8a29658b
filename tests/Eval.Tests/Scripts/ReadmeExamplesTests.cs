using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using Eval.Core.Runtime;
using Eval.Core.Suites;

namespace Eval.Tests.Scripts;

/// <summary>The README's examples that are not plain `eval` commands: its suite file and its run-eval.ps1 invocations.</summary>
public class ReadmeExamplesTests
{
    static readonly string Readme = File.ReadAllText(RepositoryPaths.Require("README.md"));

    [Test]
    public void ReadmeSuiteExample_IsValidExceptForTheCheckpointThisMachineLacks()
    {
        string yaml = Regex.Match(Readme, @"```yaml\n(name: my-model\n.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.That(yaml, Does.Contain("models:"), "the README shows a suite example");
        string path = Path.Combine(Path.GetTempPath(), $"readme-suite-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try
        {
            var errors = SuiteLoader.Load(path).Errors;
            Assert.That(errors, Is.Not.Empty);
            Assert.That(errors.Select(e => e.Message), Has.All.Contain("/models/Llama-2-7b-hf"), "only the example's own checkpoint folder is missing here");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ReadmeRunEvalInvocations_UseOnlyParametersTheScriptDeclares()
    {
        var script = Parser.ParseFile(RepositoryPaths.Require("run-eval.ps1"), out _, out _);
        var declared = script.ParamBlock!.Parameters.Select(p => p.Name.VariablePath.UserPath).ToHashSet(StringComparer.OrdinalIgnoreCase);
        // What follows the script name on each line that runs it, up to a quote, redirection, pipe or comment.
        var invocations = Readme.Split('\n').Where(l => l.Contains("run-eval.ps1") && !l.Contains("Get-Help"))
            .Select(l => l[(l.IndexOf("run-eval.ps1", StringComparison.Ordinal) + "run-eval.ps1".Length)..])
            .Select(rest => rest.IndexOfAny(['\'', '"', '>', '|', '#', '`']) is int cut and >= 0 ? rest[..cut] : rest).ToList();
        Assert.That(invocations.Count(i => i.Contains("-Suite")), Is.GreaterThanOrEqualTo(5), "cron, systemd, Task Scheduler, GitHub Actions and the synopsis");
        var used = invocations.SelectMany(i => Regex.Matches(i, @"(?<=[\s\[])-(\w+)").Select(m => m.Groups[1].Value)).ToList();
        Assert.That(used, Does.Contain("Suite"));
        Assert.That(used.Where(p => !declared.Contains(p)), Is.Empty);
    }

    [Test]
    public void ReadmeShellScripts_ExistAndParse()
    {
        Assume.That(OperatingSystem.IsWindows(), Is.False, "bash -n needs bash");
        string root = Path.GetDirectoryName(RepositoryPaths.Require("README.md"))!;
        var scripts = Regex.Matches(Readme, @"bash ([\w/.-]+\.sh)").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.That(scripts, Is.SupersetOf(new[] { "suites/zoo/train-all.sh", "suites/corpora/regenerate.sh" }));
        foreach (string script in scripts)
        {
            string path = Path.Combine(root, script);
            Assert.That(File.Exists(path), Is.True, script);
            using var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-n", path]) { RedirectStandardError = true })!;
            string errors = bash.StandardError.ReadToEnd();
            bash.WaitForExit();
            Assert.That(bash.ExitCode, Is.EqualTo(0), $"{script}: {errors}");
        }
    }
}
