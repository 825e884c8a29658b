using Eval.Cli.Running;
using Eval.Core.Results;
using Eval.Core.Suites;
using Eval.Tests.Fakes;
using Spectre.Console;

namespace Eval.Tests.Running;

/// <summary>The live terminal display, on a real Spectre console writing to a string.</summary>
public class SpectreRunReporterTests
{
    string root = "";

    [SetUp] public void CreateZoo() => root = TempZoo.Create("spectre-reporter", ("evil\u001b]0;pwned\u0007[red]x\nY", "rope"));
    [TearDown] public void Remove() => Directory.Delete(root, recursive: true);

    EvalCase HostileCase()
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, "name: s\nmodels: [\"zoo:evil\\e]0;pwned\\a[red]x\\nY\"]\nstrategies: [default]\nlengths: [256]\ntasks: [passkey]\n");
        var loaded = SuiteLoader.Load(path);
        Assert.That(loaded.Errors, Is.Empty, string.Join("\n", loaded.Errors));
        return MatrixExpander.Expand(loaded.Suite!, _ => "f").Single();
    }

    [Test]
    public void CaseFinished_NamesWithEscapeCodesAndMarkup_ArePrintedEscapedAndLiterally()
    {
        var evalCase = HostileCase();
        var failed = StoredCases.Perplexity("zoo:x", "default", 256, 2, 10, 1) with { Status = CaseStatus.Failed, Error = "cannot read \u001b[2J[bold]weights[/]" };
        using var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = 500; // no wrapping: a line is checked whole
        console.Progress().Start(context =>
        {
            var reporter = new SpectreRunReporter(console, context, quiet: false);
            reporter.RunStarted("r1", 1, 1);
            reporter.Message($"loading {evalCase.Model.Reference} (fp32)");
            reporter.CaseStarted(evalCase, 1, 1);
            reporter.CaseFinished(evalCase, failed, "-");
        });
        string output = text.ToString();

        Assert.That(output, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(output, Does.Contain("loading zoo:evil\\x1b]0;pwned\\x07[red]x\\nY (fp32)"));
        Assert.That(output, Does.Contain("FAILED evil\\x1b]0;pwned\\x07[red]x\\nY | default | 256 | passkey: cannot read \\x1b[2J[bold]weights[/]"));
    }
}
