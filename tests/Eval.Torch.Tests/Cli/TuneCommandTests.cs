using Eval.Cli;
using Eval.Tests.Cli;
using Eval.Torch.Tests.Fixtures;

namespace Eval.Torch.Tests.Cli;

/// <summary>`eval tune` through the real command on a tiny random checkpoint.</summary>
public class TuneCommandTests
{
    string work = "";

    [SetUp] public void Create() => work = TinyCheckpoint.TempDirectory();
    [TearDown] public void Remove() => Directory.Delete(work, recursive: true);

    [Test]
    public void Tune_SourceFolderNameWithEscapeCodesAndNewlines_PrintsItEscapedOneLinePerEvent()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        string source = TinyCheckpoint.Write(model, Path.Combine(work, "evil\u001b]0;pwned\u0007\nFAKE step 9 of 9"));
        var (exit, output, error) = CliRunner.Run("tune", "--from", source, "--strategy", "linear:factor=2", "--length", "128", "--steps", "2", "--batch", "1",
            "--db", Path.Combine(work, "results", "eval.db"));

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output + error);
        Assert.That(output + error, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(output, Does.Contain("evil\\x1b]0;pwned\\x07\\nFAKE step 9 of 9"));
        Assert.That(output.Split('\n').Where(l => l.StartsWith("FAKE")), Is.Empty, "a name cannot start a line of its own");
    }
}
