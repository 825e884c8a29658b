using Eval.Core.Positional;

namespace Eval.Tests.Positional;

/// <summary>
/// Attention factors the golden vectors (default parameters only) never reach (issue #23: mutation survivors):
/// YaRN's mscale / mscale_all_dim ratio (DeepSeek's configs), its fallback when one is 0, and explicit attention_factor.
/// Expected values written out from transformers' get_mscale: 0.1 * m * ln s + 1.
/// </summary>
public class AttentionFactorMutationTests
{
    static readonly RopeGeometry Geometry = new(16, 10000, 256);

    static double Factor(string spec) => StrategyRegistry.Create(spec).Frequencies(Geometry, 1024).AttentionFactor;

    [Test]
    public void Frequencies_YarnMscaleTwoOverAllDimOne_IsRatioOfMscales() =>
        // (0.2 ln 4 + 1) / (0.1 ln 4 + 1)
        Assert.That(Factor("yarn:factor=4,mscale=2,mscale_all_dim=1"), Is.EqualTo(1.121751143713058).Within(1e-12));

    [Test]
    public void Frequencies_YarnMscaleZero_FallsBackToDefaultMscale() =>
        // 0.1 ln 4 + 1
        Assert.That(Factor("yarn:factor=4,mscale=0,mscale_all_dim=1"), Is.EqualTo(1.138629436111989).Within(1e-12));

    [Test]
    public void Frequencies_YarnExplicitAttentionFactor_IsUsed() =>
        Assert.That(Factor("yarn:factor=4,attention_factor=0.5"), Is.EqualTo(0.5));

    [Test]
    public void Frequencies_LongRopeExplicitAttentionFactor_IsUsed() =>
        Assert.That(Factor("longrope:factor=4,short_factor=1|1|1|1|1|1|1|1,long_factor=2|2|2|2|2|2|2|2,attention_factor=0.75"), Is.EqualTo(0.75));

    [Test]
    public void Frequencies_LongRopeAutoFactor_IsSqrtOfOnePlusLnSOverLnL0() =>
        // s = 1024 / 256 = 4: sqrt(1 + ln 4 / ln 256) = sqrt(1.25)
        Assert.That(Factor("longrope:short_factor=1|1|1|1|1|1|1|1,long_factor=2|2|2|2|2|2|2|2"), Is.EqualTo(1.118033988749895).Within(1e-12));
}
