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
}
