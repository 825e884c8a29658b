using Eval.Core.Positional;

namespace Eval.Tests.Positional;

/// <summary>factor=auto belongs to the evaluated case: one factor max(1, L / L0) for every forward pass of a static strategy.</summary>
public class ContextLengthStrategyTests
{
    static readonly RopeGeometry Geometry = new(32, 10000, 256);

    [TestCase("linear:factor=auto", "linear:factor=4")]
    [TestCase("ntk:factor=auto", "ntk:factor=4")]
    [TestCase("yarn:factor=auto", "yarn:factor=4")]
    [TestCase("llama3:factor=auto", "llama3:factor=4")]
    public void For_StaticAutoFactor_UsesTheCaseLengthAtEveryPassLength(string auto, string fixedFactor)
    {
        var bound = ContextLengthStrategy.For(StrategyRegistry.Create(auto), 1024);
        var expected = StrategyRegistry.Create(fixedFactor).Frequencies(Geometry, 1024);
        // A sliding protocol's shorter last window (300), a full window (1024), a prompt plus generated tokens (1034).
        foreach (int passLength in new[] { 300, 1024, 1034 })
        {
            var got = bound.Frequencies(Geometry, passLength);
            Assert.That(got.InverseFrequencies, Is.EqualTo(expected.InverseFrequencies), $"pass of {passLength} tokens");
            Assert.That(got.AttentionFactor, Is.EqualTo(expected.AttentionFactor));
        }
        Assert.That(StrategyRegistry.Create(auto).Frequencies(Geometry, 300).InverseFrequencies, Is.Not.EqualTo(expected.InverseFrequencies),
            "unbound, auto would follow the pass length");
    }

    [Test]
    public void For_CaseAtOrBelowTrainingLength_AutoIsOne()
    {
        var bound = ContextLengthStrategy.For(StrategyRegistry.Create("pi:factor=auto"), 128);
        Assert.That(bound.Frequencies(Geometry, 100).InverseFrequencies, Is.EqualTo(StrategyRegistry.Create("default").Frequencies(Geometry, 100).InverseFrequencies));
    }

    [TestCase("dynamic:factor=auto")]
    [TestCase("dynamic-yarn")]
    public void For_DynamicStrategy_KeepsFollowingTheRunningLength(string spec)
    {
        var strategy = StrategyRegistry.Create(spec);
        var bound = ContextLengthStrategy.For(strategy, 1024);
        Assert.That(bound, Is.SameAs(strategy));
        Assert.That(bound.Frequencies(Geometry, 300).InverseFrequencies, Is.Not.EqualTo(bound.Frequencies(Geometry, 1024).InverseFrequencies));
    }

    [Test]
    public void For_BoundTwice_TheLaterLengthWins()
    {
        var twice = ContextLengthStrategy.For(ContextLengthStrategy.For(StrategyRegistry.Create("pi:factor=auto"), 512), 1024);
        Assert.That(twice.Frequencies(Geometry, 10).InverseFrequencies, Is.EqualTo(StrategyRegistry.Create("pi:factor=4").Frequencies(Geometry, 10).InverseFrequencies));
        Assert.That(twice.Spec.ToString(), Is.EqualTo("linear:factor=auto"), "the case keeps its strategy's name");
    }

    [Test]
    public void For_ContextLengthBelowOne_Throws() =>
        Assert.That(() => ContextLengthStrategy.For(StrategyRegistry.Create("default"), 0), Throws.TypeOf<StrategyException>());
}
