using Eval.Core.Tuning;

namespace Eval.Tests.Tuning;

/// <summary>TuneRecipe.Parse figures that no suite test pins: the warm-up is clamped to the steps (issue #23 survivor).</summary>
public class TuneRecipeTests
{
    static TuneRecipe Parse(string steps, string warmup)
    {
        var (recipe, errors) = TuneRecipe.Parse(new Dictionary<string, string>
        {
            ["from"] = "zoo:rope-a", ["strategy"] = "linear:factor=4", ["length"] = "128", ["steps"] = steps, ["warmup"] = warmup,
        });
        Assert.That(errors, Is.Empty);
        return recipe!;
    }

    [Test]
    public void Parse_WarmupAboveSteps_ClampsWarmupToSteps() =>
        Assert.That(Parse(steps: "10", warmup: "50").WarmupSteps, Is.EqualTo(10));

    [Test]
    public void Parse_WarmupBelowSteps_KeepsWarmup() =>
        Assert.That(Parse(steps: "10", warmup: "3").WarmupSteps, Is.EqualTo(3));

    static IReadOnlyList<(string Key, string Message)> Errors(string length, string batch, string steps = "10", string lr = "3e-4") =>
        TuneRecipe.Parse(new Dictionary<string, string>
        {
            ["from"] = "zoo:rope-a", ["strategy"] = "linear:factor=4", ["length"] = length, ["batch"] = batch, ["steps"] = steps, ["lr"] = lr,
        }).Errors;

    [Test]
    public void Parse_BatchTimesLengthOverOneMebitoken_IsBatchError() =>
        // 1024 x 1025 = 1,049,600 tokens a step > 2^20 = 1,048,576
        Assert.That(Errors(length: "1024", batch: "1025").Select(e => e.Key), Is.EqualTo(new[] { "batch" }));

    [Test]
    public void Parse_BatchTimesLengthExactlyOneMebitoken_IsAccepted() =>
        Assert.That(Errors(length: "1024", batch: "1024"), Is.Empty);

    [Test]
    public void Parse_OneStep_IsAccepted() =>
        Assert.That(Errors(length: "128", batch: "2", steps: "1"), Is.Empty);

    [Test]
    public void Parse_LearningRateAboveOne_IsLrError() =>
        Assert.That(Errors(length: "128", batch: "2", lr: "1.5").Select(e => e.Key), Is.EqualTo(new[] { "lr" }));

    [Test]
    public void Parse_LearningRateOne_IsAccepted() =>
        Assert.That(Errors(length: "128", batch: "2", lr: "1"), Is.Empty);
}
