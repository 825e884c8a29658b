using Eval.Core.Positional;
using Eval.Core.Tuning;

namespace Eval.Tests.Positional;

/// <summary>Issue #33: each strategy declares itself once (name, aliases, colour, config form), and every reader takes it from there.</summary>
public class StrategyDescriptorTests
{
    [Test]
    public void Descriptors_HaveDistinctNamesAliasesAndColours()
    {
        var descriptors = StrategyRegistry.Descriptors;

        Assert.That(descriptors.Select(d => d.Name), Is.Unique);
        Assert.That(StrategyRegistry.AllNames, Is.Unique, "no alias shadows a name or another alias");
        Assert.That(descriptors.Select(d => d.Color.ToLowerInvariant()), Is.Unique, "one colour per family in every chart");
        Assert.That(descriptors.Select(d => d.Color), Has.All.Match("^#[0-9a-fA-F]{6}$"));
    }

    [Test]
    public void EveryDescriptor_CreatesAStrategyUnderItsOwnName()
    {
        foreach (var d in StrategyRegistry.Descriptors)
        {
            var spec = StrategySpec.Parse(d.Name switch
            {
                "base" => "base:theta=500", "linear" or "ntk" or "dynamic" or "yarn" or "llama3" => d.Name + ":factor=2",
                "longrope" => "longrope:factor=2,short_factor=1|1,long_factor=2|2", "rerope" => "rerope:window=8", "leaky-rerope" => "leaky-rerope:window=8,k=4",
                "self-extend" => "self-extend:group_size=2,window=8", "hierarchical" => "hierarchical:alpha=0.4", "sinks" => "sinks:start=4,window=8",
                _ => d.Name,
            });
            Assert.That(StrategyRegistry.Create(spec).Spec.Name, Is.EqualTo(d.Name), d.Name);
            foreach (string alias in d.Aliases)
                Assert.That(StrategyRegistry.Create(spec with { Name = alias }).Spec.Name, Is.EqualTo(d.Name), alias);
        }
    }

    [Test]
    public void Tunable_IsExactlyTheStrategiesAConfigCanCarry()
    {
        Assert.That(TuneRecipe.TunableStrategies, Is.EqualTo(StrategyRegistry.Descriptors.Where(d => d.Config is not null).Select(d => d.Name)));
        Assert.That(TuneRecipe.TunableStrategies, Is.EquivalentTo(new[] { "default", "base", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope", "alibi", "nope" }));
        Assert.That(StrategyRegistry.Descriptors.Where(d => d.Config is RopeScalingForm).Select(d => d.Name),
            Is.EqualTo(new[] { "dynamic", "linear", "llama3", "longrope", "yarn" }), "transformers' rope_type names the harness reads and writes");
    }
}
