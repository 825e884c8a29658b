using Eval.Reporting;
using ScottPlot;

namespace Eval.Tests.Reporting;

public class StrategyColorsTests
{
    [Test]
    public void For_EveryBuiltInFamily_HasItsOwnColour()
    {
        string[] families = ["default", "linear", "ntk", "dynamic", "yarn", "dynamic-yarn", "llama3", "longrope", "rerope", "leaky-rerope",
            "self-extend", "base", "alibi", "nope", "sinks", "sinusoidal", "learned", "hierarchical", "kerple", "xpos", "hwfa"];
        var colours = families.Select(f => StrategyColors.Hex(f + ":x=1")).ToList();
        Assert.That(colours, Is.Unique);
    }

    [Test]
    public void For_VariantsOfOneFamily_ShareTheColour() =>
        Assert.That(StrategyColors.Hex("sinks:start=0,window=255"), Is.EqualTo(StrategyColors.Hex("sinks:start=4,window=251")));

    [Test]
    public void For_UnknownFamily_IsAStableColour() =>
        // string.GetHashCode changes with every process and would recolour a plugin's strategy in every report; the
        // stable hash (h * 31 + c, 24 bits) of "my-own" is 12,549,093, entry 15 of the 18 colours.
        Assert.That(StrategyColors.Hex("my-own:a=1"), Is.EqualTo("#637939"));

    [Test]
    public void Pattern_SecondAndThirdVariantOfAFamily_AreDashedThenDotted()
    {
        string[] chart = ["default", "sinks:start=4,window=251", "yarn:factor=2", "sinks:start=0,window=255", "sinks:start=8,window=247", "sinks:start=4,window=251"];
        Assert.Multiple(() =>
        {
            Assert.That(StrategyColors.Pattern("default", chart), Is.EqualTo(LinePattern.Solid));
            Assert.That(StrategyColors.Pattern("yarn:factor=2", chart), Is.EqualTo(LinePattern.Solid));
            Assert.That(StrategyColors.Pattern("sinks:start=4,window=251", chart), Is.EqualTo(LinePattern.Solid));
            Assert.That(StrategyColors.Pattern("sinks:start=0,window=255", chart), Is.EqualTo(LinePattern.Dashed));
            Assert.That(StrategyColors.Pattern("sinks:start=8,window=247", chart), Is.EqualTo(LinePattern.Dotted));
        });
    }
}
