using Eval.Core.Positional;

namespace Eval.Tests.Positional;

/// <summary>The survey's remaining strategies: sinusoidal and learned absolute positions, hierarchical stretch, attention sinks.</summary>
public class SurveyStrategyTests
{
    [Test]
    public void Hierarchical_DefaultsToSusAlphaOfZeroPointFour()
    {
        var h = (HierarchicalPositions)StrategyRegistry.Create("hierarchical");
        Assert.That(h.Alpha, Is.EqualTo(0.4));
        Assert.That(((HierarchicalPositions)StrategyRegistry.Create("hierarchical:alpha=0")).Alpha, Is.EqualTo(0));
        Assert.That(((HierarchicalPositions)StrategyRegistry.Create("hierarchical:alpha=0.99")).Alpha, Is.EqualTo(0.99));
    }

    [TestCase("hierarchical:alpha=1", "must be >= 0 and < 1")]
    [TestCase("hierarchical:alpha=-0.1", "must be >= 0")]
    [TestCase("hierarchical:alpha=NaN", "not a number")]
    [TestCase("hierarchical:beta=0.4", "Accepted: alpha")]
    [TestCase("sinks:start=4", "needs parameter \"window\"")]
    [TestCase("sinks:start=-1,window=8", "start=-1 must be >= 0")]
    [TestCase("sinks:start=4,window=0", "window=0 must be >= 1")]
    [TestCase("sinks:start=4,window=2.5", "must be a whole number")]
    [TestCase("learned:alpha=0.4", "takes no parameters")]
    public void BadParameters_AreRefusedWithTheReason(string spec, string message)
    {
        var e = Assert.Throws<StrategyException>(() => StrategyRegistry.Create(spec));
        Assert.That(e!.Message, Does.Contain(message));
    }

    [Test]
    public void Hierarchical_ReachesTheTableSquared_SplittingPositionsIntoOuterAndInnerRows()
    {
        Assert.That(HierarchicalPositions.Reach(256), Is.EqualTo(65536));
        Assert.That(HierarchicalPositions.Split(0, 256), Is.EqualTo((0, 0)));
        Assert.That(HierarchicalPositions.Split(255, 256), Is.EqualTo((0, 255)));
        Assert.That(HierarchicalPositions.Split(256, 256), Is.EqualTo((1, 0)));
        Assert.That(HierarchicalPositions.Split(2 * 256 + 3, 256), Is.EqualTo((2, 3)));
    }

    [Test]
    public void Sinks_DefaultStartIsFour_AndTheQueryMeetsSinksAtItsCacheSlot()
    {
        var sinks = (SinkAttention)StrategyRegistry.Create("sinks:window=252").Attention;
        Assert.That(sinks, Is.EqualTo(new SinkAttention(4, 252)));
        Assert.That(sinks.SinkQueryPosition(10), Is.EqualTo(10), "before the cache fills, true positions");
        Assert.That(sinks.SinkQueryPosition(256), Is.EqualTo(256));
        Assert.That(sinks.SinkQueryPosition(4095), Is.EqualTo(256), "then the last slot, start + window");
    }

    [Test]
    public void Sinks_OnRope_KeepTheTrainedFrequencies()
    {
        var geometry = new RopeGeometry(32, 10000, 256);
        var sinks = StrategyRegistry.Create("sinks:start=4,window=252").Frequencies(geometry, 4096);
        var trained = StrategyRegistry.Create("default").Frequencies(geometry, 4096);
        Assert.That(sinks.InverseFrequencies, Is.EqualTo(trained.InverseFrequencies));
        Assert.That(sinks.AttentionFactor, Is.EqualTo(1.0));
    }

    // Which strategy runs on which trained encoding (config.json's position_encoding).
    [TestCase("sinks:window=8", "rope", true)]
    [TestCase("sinks:window=8", "alibi", true)]
    [TestCase("sinks:window=8", "nope", true)]
    [TestCase("sinks:window=8", "sinusoidal", false)]
    [TestCase("sinks:window=8", "learned", false)]
    [TestCase("sinusoidal", "sinusoidal", true)]
    [TestCase("sinusoidal", "learned", false)]
    [TestCase("sinusoidal", "rope", false)]
    [TestCase("learned", "learned", true)]
    [TestCase("hierarchical", "learned", true)]
    [TestCase("hierarchical", "sinusoidal", false)]
    [TestCase("hierarchical", "rope", false)]
    [TestCase("default", "learned", false)]
    [TestCase("alibi", "alibi", true)]
    [TestCase("alibi", "nope", false)]
    [TestCase("kerple", "kerple", true)]
    [TestCase("kerple", "alibi", false)]
    [TestCase("alibi", "kerple", false)]
    [TestCase("default", "kerple", false)]
    [TestCase("yarn:factor=2", "kerple", false)]
    [TestCase("sinks:window=8", "kerple", false)]
    [TestCase("xpos", "xpos", true)]
    [TestCase("xpos", "rope", false)]
    [TestCase("default", "xpos", false)]
    [TestCase("linear:factor=2", "xpos", false)]
    [TestCase("rerope:window=8", "xpos", false)]
    [TestCase("sinks:window=8", "xpos", false)]
    [TestCase("hwfa", "hwfa", true)]
    [TestCase("default", "hwfa", false)]
    [TestCase("nope", "hwfa", false)]
    [TestCase("hwfa", "nope", false)]
    [TestCase("sinks:window=8", "hwfa", false)]
    public void Fits_TiesEachStrategyToTheEncodingsItRunsOn(string strategy, string encoding, bool fits) =>
        Assert.That(EncodingRules.Fits(StrategyRegistry.Create(strategy).Kind, encoding), Is.EqualTo(fits));

    [TestCase("sinusoidal", "sinusoidal")]
    [TestCase("learned", "learned")]
    [TestCase("kerple", "kerple")]
    [TestCase("xpos", "xpos")]
    [TestCase("hwfa", "hwfa")]
    public void NativeStrategy_OfAModelLevelEncoding_IsItsOwnName(string encoding, string strategy) =>
        Assert.That(EncodingRules.NativeStrategy(encoding), Is.EqualTo(strategy));
}
