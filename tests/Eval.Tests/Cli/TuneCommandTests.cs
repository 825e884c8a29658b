namespace Eval.Tests.Cli;

/// <summary>`eval tune` refuses a bad recipe with exit 2, naming every bad option and the valid values, before anything trains.</summary>
public class TuneCommandTests
{
    [Test]
    public void Tune_BadRecipe_ExitsTwoNamingEachOption()
    {
        var (exit, _, err) = CliRunner.Run("tune", "--from", "zoo:rope-10k", "--strategy", "yarnn", "--length", "0", "--steps", "-5");

        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--strategy: Unknown strategy \"yarnn\"").And.Contain("Did you mean \"yarn\""));
        Assert.That(err, Does.Contain("--length: length \"0\" is not valid: it must be a whole number from 2"));
        Assert.That(err, Does.Contain("--steps: steps \"-5\" is not valid"));
    }

    [Test]
    public void Tune_MissingFrom_ExitsTwo()
    {
        var (exit, _, err) = CliRunner.Run("tune", "--strategy", "linear:factor=4", "--length", "1024", "--steps", "10");

        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--from: A tune recipe needs \"from\""));
    }

    [Test]
    public void Tune_SourceThatIsNoCheckpoint_ExitsTwoListingTheZoo()
    {
        var (exit, _, err) = CliRunner.Run("tune", "--from", "zoo:rope-9k", "--strategy", "linear:factor=4", "--length", "1024", "--steps", "10");

        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--from: \"zoo:rope-9k\" is not a checkpoint directory").And.Contain("zoo:rope-10k"));
    }

    [Test]
    public void Tune_SourceNameWithEscapeCodes_NamesItEscapedInTheError()
    {
        var (exit, output, err) = CliRunner.Run("tune", "--from", "zoo:evil\u001b]0;pwned\u0007", "--strategy", "linear:factor=4", "--length", "1024", "--steps", "10");

        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(output + err, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(err, Does.Contain("\"zoo:evil\\x1b]0;pwned\\x07\" is not a checkpoint directory"));
    }

    [Test]
    public void Tune_RopeStrategyOnAlibiModel_ExitsTwo()
    {
        var (exit, _, err) = CliRunner.Run("tune", "--from", "zoo:alibi", "--strategy", "linear:factor=4", "--length", "1024", "--steps", "10");

        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("Cannot tune model \"zoo:alibi\" (alibi positions)"));
    }
}

/// <summary>`eval bench --training` refuses S2 group ratios that cannot group the lengths, before loading anything.</summary>
public class BenchTrainingTests
{
    [TestCase("0")]
    [TestCase("1.5")]
    public void Bench_TrainingWithBadGroupRatio_ExitsTwo(string ratio)
    {
        var (exit, _, err) = CliRunner.Run("bench", "--training", "--group-ratio", ratio, "--lengths", "1024");
        Assert.That(exit, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain($"--group-ratio {ratio} is not valid"));
    }

    // Options of scoring that a training step would silently ignore, and the reverse.
    [TestCase("--training", "--components")]
    [TestCase("--training", "--dtype", "bf16")]
    [TestCase("--training", "--batch-tokens", "4096")]
    [TestCase("--training", "--soak", "3")]
    [TestCase("--training", "--json")]
    [TestCase("--group-ratio", "0.5")]
    public void Bench_OptionOfTheOtherMode_ExitsTwoNamingIt(params string[] options)
    {
        var (exit, _, err) = CliRunner.Run(["bench", "--lengths", "1024", .. options]);
        Assert.That(exit, Is.EqualTo(2), err);
        string named = options.Last(o => o.StartsWith("--"));
        Assert.That(err, Does.Contain(named + (named == "--group-ratio" ? ": taken only with --training" : ": not taken with --training")));
    }
}

/// <summary>`eval cost` reads only config.json and prints the figures per length.</summary>
public class CostCommandTests
{
    [Test]
    public void Cost_ZooModel_PrintsItsParametersAndEveryLength()
    {
        var (exit, output, err) = CliRunner.Run("cost", "--model", "zoo:rope-10k", "--lengths", "256", "4096", "--dtype", "fp32");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("1,262,720 parameters (embedding 524,288, layers 738,432, head 0, tied); 4 bytes a value"));
        Assert.That(output.Split('\n').Count(l => l.TrimStart().StartsWith("256 ") || l.TrimStart().StartsWith("4096 ")), Is.EqualTo(2));
    }

    [Test]
    public void Cost_UnknownDtype_ExitsTwo()
    {
        var (exit, _, err) = CliRunner.Run("cost", "--model", "zoo:rope-10k", "--dtype", "int3");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--dtype: dtype \"int3\" is not known"));
    }
}
