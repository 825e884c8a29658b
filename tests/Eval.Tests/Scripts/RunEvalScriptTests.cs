using System.CommandLine;
using System.Management.Automation.Language;
using Eval.Cli;
using Eval.Core.Runtime;

namespace Eval.Tests.Scripts;

/// <summary>
/// run-eval.ps1 read with the PowerShell parser: it keeps to the house rules, and every `eval` verb and flag it passes
/// exists in the CLI. Running it for real under pwsh is tests/Eval.Torch.Tests/Scripts/RunEvalScriptRunTests.cs.
/// </summary>
public class RunEvalScriptTests
{
    static readonly string ScriptPath = RepositoryPaths.Require("run-eval.ps1");

    static ScriptBlockAst Parse(out ParseError[] errors) => Parser.ParseFile(ScriptPath, out _, out errors);

    [Test]
    public void Script_ParsesWithoutErrors()
    {
        Parse(out var errors);
        Assert.That(errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"), Is.Empty);
    }

    [Test]
    public void Script_HelpDocumentsEveryParameter_AndUsesStrictModeAndStopOnError()
    {
        var ast = Parse(out _);
        var help = ast.GetHelpContent();
        Assert.That(help, Is.Not.Null, "comment-based help for Get-Help");
        var declared = ast.ParamBlock!.Parameters.Select(p => p.Name.VariablePath.UserPath.ToUpperInvariant());
        Assert.That(help!.Parameters.Keys, Is.EquivalentTo(declared));
        string text = File.ReadAllText(ScriptPath);
        Assert.That(text, Does.Contain("Set-StrictMode -Version Latest").And.Contain("$ErrorActionPreference = 'Stop'"));
    }

    [Test]
    public void Script_UsesNoAliases()
    {
        var ast = Parse(out _);
        string[] aliases = ["cd", "ls", "dir", "echo", "cat", "rm", "cp", "mv", "%", "?", "foreach", "where", "select", "iex", "gci", "sl", "pwd"];
        var commands = ast.FindAll(n => n is CommandAst, true).Cast<CommandAst>().Select(c => c.GetCommandName()).OfType<string>();
        Assert.That(commands.Where(c => aliases.Contains(c.ToLowerInvariant())), Is.Empty);
    }

    [Test]
    public void Script_EveryEvalVerbAndFlag_ExistsInTheCli()
    {
        var root = EvalCli.BuildRoot(TextWriter.Null, TextWriter.Null);
        var ast = Parse(out _);
        var used = new List<(string Verb, string Flag)>();
        var verbs = new HashSet<string>();
        // Argument arrays: @('verb', '--flag', $value, ...), and later additions to $runArguments.
        foreach (var array in ast.FindAll(n => n is ArrayExpressionAst or ArrayLiteralAst, true))
        {
            var strings = array.FindAll(n => n is StringConstantExpressionAst, true).Cast<StringConstantExpressionAst>().Select(s => s.Value).ToList();
            if (strings.Count == 0) continue;
            string? verb = root.Subcommands.Any(c => c.Name == strings[0]) ? strings[0]
                : array.Parent is AssignmentStatementAst { Left: VariableExpressionAst { VariablePath.UserPath: "runArguments" } } ? "run"
                : array.Parent?.Parent is AssignmentStatementAst { Left: VariableExpressionAst { VariablePath.UserPath: "runArguments" } } ? "run"
                : null;
            if (verb is null) continue;
            verbs.Add(verb);
            used.AddRange(strings.Where(s => s.StartsWith("--", StringComparison.Ordinal)).Select(flag => (verb, flag)));
        }
        Assert.That(verbs, Is.SupersetOf(new[] { "validate", "run", "report", "compare" }));
        foreach (var (verb, flag) in used)
        {
            var command = root.Subcommands.Single(c => c.Name == verb);
            Assert.That(command.Options.Select(o => o.Name).Concat(command.Options.SelectMany(o => o.Aliases)), Does.Contain(flag), $"eval {verb} {flag}");
        }
        Assert.That(used.Select(u => u.Flag), Is.SupersetOf(new[] { "--db", "--device", "--shard", "--force", "--run", "--out", "--baseline", "--candidate", "--tolerance" }));
    }
}
