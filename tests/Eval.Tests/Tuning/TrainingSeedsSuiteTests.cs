using Eval.Core.Suites;
using Eval.Tests.Fakes;

namespace Eval.Tests.Tuning;

/// <summary>Issue #31: a suite's seeds: list trains every tuned model once per seed, named NAME@seed=S.</summary>
public class TrainingSeedsSuiteTests
{
    string root = "";

    [SetUp]
    public void CreateZoo() => root = TempZoo.Create("seeds-suite-tests", ("rope-a", "rope"));

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    SuiteLoadResult Load(string seeds, string models)
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, $"name: t\n{seeds}models:\n{models}\nstrategies: [carried]\nlengths: [256, 1024]\ntasks: [perplexity]\n");
        return SuiteLoader.Load(path);
    }

    const string Tuned = "  - { tune: { from: zoo:rope-a, strategy: \"linear:factor=4\", length: 1024, steps: 20 }, name: pi }";

    [Test]
    public void Load_Seeds_TrainEachTunedModelOncePerSeed_AndLeaveCheckpointsAlone()
    {
        var result = Load("seeds: [1, 2, 3]\n", "  - zoo:rope-a\n" + Tuned);

        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var models = result.Suite!.Models;
        Assert.That(models.Select(m => m.Reference), Is.EqualTo(new[] { "zoo:rope-a", "tune:pi@seed=1", "tune:pi@seed=2", "tune:pi@seed=3" }));
        Assert.That(models.Skip(1).Select(m => m.Tune!.Seed), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(models.Skip(1).Select(m => m.Tune!.Canonical).Distinct().Count(), Is.EqualTo(3), "each seed is its own tuned model");
        Assert.That(result.Suite.Seed, Is.EqualTo(1234), "the evaluation seed is not a training seed");
    }

    [Test]
    public void Load_EntryWithItsOwnSeed_IsTrainedOnce()
    {
        var result = Load("seeds: [1, 2]\n", "  - { tune: { from: zoo:rope-a, strategy: default, length: 256, steps: 20, seed: 7 }, name: own }");

        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        Assert.That(result.Suite!.Models.Single().Reference, Is.EqualTo("tune:own"));
        Assert.That(result.Suite.Models.Single().Tune!.Seed, Is.EqualTo(7));
    }

    [Test]
    public void Load_WithoutSeeds_TrainsOnceUnderTheName()
    {
        var result = Load("", Tuned);

        Assert.That(result.Suite!.Models.Single().Reference, Is.EqualTo("tune:pi"));
    }

    [TestCase("seeds: [1, -2]", "seeds entry \"-2\" is not valid", TestName = "Load_NegativeSeed_IsAnError")]
    [TestCase("seeds: [1, 2.5]", "seeds must be whole numbers", TestName = "Load_FractionalSeed_IsAnError")]
    [TestCase("seeds: [1, 1]", "seeds entry 1 is listed twice", TestName = "Load_RepeatedSeed_IsAnError")]
    [TestCase("seeds: []", "seeds must be a non-empty list", TestName = "Load_EmptySeeds_IsAnError")]
    [TestCase("seeds: 3", "seeds must be a non-empty list", TestName = "Load_ScalarSeeds_IsAnError")]
    [TestCase("seeds: [1, 3000000000]", "seeds entry \"3000000000\" is not valid", TestName = "Load_SeedAboveInt32_IsAnError")]
    [TestCase("seeds: [NaN]", "seeds entry \"NaN\" is not valid", TestName = "Load_NaNSeed_IsAnError")]
    public void Load_BadSeeds_IsAnErrorAtItsLine(string seeds, string message)
    {
        var result = Load(seeds + "\n", Tuned);

        Assert.That(result.Suite, Is.Null);
        var error = result.Errors.Single(e => e.Message.Contains(message));
        Assert.That(error.Line, Is.EqualTo(2), error.ToString());
    }

    [Test]
    public void Load_MoreSeedsThanTheCeiling_IsAnError()
    {
        var result = Load($"seeds: [{string.Join(", ", Enumerable.Range(0, TrainingSeed.MaxSeeds + 1))}]\n", Tuned);

        Assert.That(result.Errors.Single().Message, Does.Contain($"at most {TrainingSeed.MaxSeeds}"));
    }

    [TestCase("pi@seed=2", "pi", 2)]
    [TestCase("pi-4x-200@seed=0", "pi-4x-200", 0)]
    [TestCase("a@seed=1@seed=3", "a@seed=1", 3)]
    [TestCase("pi", "pi", null)]
    [TestCase("pi@seed=", "pi@seed=", null)]
    [TestCase("pi@seed=-1", "pi@seed=-1", null)]
    [TestCase("@seed=4", "@seed=4", null)]
    [TestCase("pi@seed=99999999999", "pi@seed=99999999999", null)]
    public void Parse_SplitsTheGroupFromTheSeed(string model, string group, int? seed)
    {
        Assert.That(TrainingSeed.Parse(model), Is.EqualTo((group, seed)));
        if (seed is int s) Assert.That(TrainingSeed.Name(group, s), Is.EqualTo(model), "Name and Parse are inverse");
    }
}
