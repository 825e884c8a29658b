using Eval.Cli;
using Eval.Core.Runtime;
using Eval.Torch.Tests.Fixtures;

namespace Eval.Torch.Tests.Cli;

/// <summary>`eval zoo train NAME` through the CLI, as the README shows it, and its input errors.</summary>
public class ZooCommandTests
{
    static (int Exit, string Out, string Err) Eval(params string[] args) => global::Eval.Tests.Cli.CliRunner.Run(args);

    [Test]
    public void ZooTrain_TwoStepsIntoAnotherFolder_WritesALoadableCheckpoint()
    {
        string output = TinyCheckpoint.TempDirectory();
        string state = Path.Combine(RepositoryPaths.Require("results"), "zoo-state", "nope-steps2");
        try
        {
            var (exit, text, error) = Eval("zoo", "train", "nope", "--steps", "2", "--out", output, "--threads", "1");
            Assert.That(exit, Is.EqualTo(0), error);
            Assert.That(text, Does.Contain("wrote " + output));
            Assert.That(new[] { "config.json", "model.safetensors", "tokenizer.model", "training.log", "zoo.json" }.Select(f => File.Exists(Path.Combine(output, f))), Has.All.True);
            Assert.That(File.ReadAllLines(Path.Combine(output, "training.log")), Has.Length.EqualTo(3), "a header and two steps");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
            if (Directory.Exists(state)) Directory.Delete(state, recursive: true);
        }
    }

    [TestCase("rope-10", "Unknown zoo model \"rope-10\"", "rope-10k")]
    [TestCase("rope-10k --steps 0", "--steps 0 is not valid", "")]
    public void ZooTrain_BadInput_ExitsTwoWithAClearMessage(string arguments, string expected, string hint)
    {
        var (exit, _, error) = Eval(["zoo", "train", .. arguments.Split(' ')]);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(expected).And.Contain(hint));
    }
}
