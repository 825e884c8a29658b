using Eval.Tests.Fakes;

namespace Eval.Tests.Cli;

/// <summary>A tuning whose training memory exceeds this machine is refused before anything is allocated: by `eval tune` and `eval validate`.</summary>
public class TrainingMemoryCommandTests
{
    string root = "";

    [SetUp]
    public void CreateZoo()
    {
        root = TempZoo.Create("training-memory-command-tests", ("small", "rope"));
        TempZoo.AddWideVocabulary(root, "wide");
    }

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    [Test]
    public void Tune_RecipeTooLargeForThisMachine_ExitsTwoWithEstimateLimitAndWhatToLower()
    {
        string source = Path.Combine(root, "suites", "zoo", "wide");
        var (exit, _, err) = CliRunner.Run("tune", "--from", source, "--strategy", "default", "--length", "1048576", "--batch", "1", "--steps", "1",
            "--db", Path.Combine(root, "eval.db"));

        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--length/--batch: Tuning wide+default@1048576x1 needs an estimated").And.Contain(" GiB"));
        Assert.That(err, Does.Contain("but this machine allows").And.Contain("lower length (now 1048576) or batch (now 1); at batch 1 a length of"));
        Assert.That(Directory.Exists(Path.Combine(root, "tuned")), Is.False, "nothing was started");
    }

    [Test]
    public void Validate_TunedModelTooLargeToTrain_IsAnErrorNamingTheFileAndModel()
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, "name: s\nmodels:\n  - zoo:small\n  - { tune: { from: zoo:wide, strategy: default, length: 1048576, steps: 1, batch: 1 } }\n" +
            "strategies: [default]\nlengths: [128]\ntasks: [perplexity]\n");

        var (exit, _, err) = CliRunner.Run("validate", path);

        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain($"{path}:4:5: Tuning tune:wide+default@1048576x1 needs an estimated"));
        Assert.That(err, Does.Contain("lower length (now 1048576) or batch (now 1)"));
    }

    [Test]
    public void Validate_SmallTuning_IsOk()
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, "name: s\nmodels:\n  - { tune: { from: zoo:small, strategy: default, length: 512, steps: 1 } }\nstrategies: [default]\nlengths: [128]\ntasks: [perplexity]\n");

        var (exit, output, err) = CliRunner.Run("validate", path);

        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("suite OK"));
    }
}
