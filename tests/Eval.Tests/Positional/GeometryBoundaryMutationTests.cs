using Eval.Core.Positional;

namespace Eval.Tests.Positional;

/// <summary>
/// Edges of the geometry and parameter checks that the golden vectors never reach (issue #23: mutation survivors).
/// Each accepted edge has its value written out: theta^0 = 1 for the one pair of a 2-dimensional head.
/// </summary>
public class GeometryBoundaryMutationTests
{
    static RopeFrequencies Default(RopeGeometry g, int length) => StrategyRegistry.Create("default").Frequencies(g, length);

    [Test]
    public void Frequencies_HeadDimTwo_IsOnePairOfFrequencyOne() =>
        Assert.That(Default(new RopeGeometry(2, 10000, 16), 8).InverseFrequencies, Is.EqualTo(new[] { 1.0 }));

    [Test]
    public void Frequencies_ThetaOne_IsRejected() =>
        Assert.That(() => Default(new RopeGeometry(8, 1, 16), 8), Throws.TypeOf<StrategyException>().With.Message.Contains("theta 1"));

    [Test]
    public void Frequencies_OriginalContextZero_IsRejected() =>
        Assert.That(() => Default(new RopeGeometry(8, 10000, 0), 8), Throws.TypeOf<StrategyException>().With.Message.Contains("Original context 0"));

    [Test]
    public void Frequencies_SequenceLengthZero_IsRejected() =>
        Assert.That(() => Default(new RopeGeometry(8, 10000, 16), 0), Throws.TypeOf<StrategyException>().With.Message.Contains("Sequence length 0"));

    [Test]
    public void Frequencies_OneTokenOnOneTokenContext_IsAccepted() =>
        // d = 4, theta = 100: 100^0 = 1, 100^(-2/4) = 0.1.
        Assert.That(Default(new RopeGeometry(4, 100, 1), 1).InverseFrequencies, Is.EqualTo(new[] { 1.0, 0.1 }).Within(1e-15));

    [Test]
    public void Create_InclusiveMinimumValues_AreAccepted()
    {
        Assert.That(StrategyRegistry.Create("leaky-rerope:k=1").Attention, Is.EqualTo(new LeakyReRopeAttention(512, 1, true)));
        Assert.That(StrategyRegistry.Create("rerope:window=1").Attention, Is.EqualTo(new ReRopeAttention(1, true)));
    }

    [Test]
    public void Create_WindowBeyondInt32_IsRejected() =>
        Assert.That(() => StrategyRegistry.Create("rerope:window=3000000000"), Throws.TypeOf<StrategyException>().With.Message.Contains("whole number"));
}
