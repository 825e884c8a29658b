using Eval.Core.Positional;

namespace Eval.Tests.Positional;

/// <summary>
/// Survivors of the Positional mutation run (issue #23, tests/mutation/SURVIVORS.md): non-default parameters the golden
/// vectors (defaults only) never pass, parameter checks at their bounds, and YaRN's ramp clamp and zero-width guard.
/// Expected vectors come from an independent Python transcription of transformers' _compute_yarn_parameters and
/// _compute_llama3_parameters (the digits are quoted), or are written out by hand.
/// </summary>
public class ParameterMutationTests
{
    static readonly RopeGeometry Geometry = new(16, 10000, 256);

    static RopeFrequencies Frequencies(string spec, RopeGeometry geometry, int length) => StrategyRegistry.Create(spec).Frequencies(geometry, length);

    static string Error(string spec) => Assert.Throws<StrategyException>(() => StrategyRegistry.Create(spec))!.Message;

    [Test]
    public void For_ContextLengthOne_IsAccepted() =>
        Assert.That(((ContextLengthStrategy)ContextLengthStrategy.For(StrategyRegistry.Create("linear:factor=auto"), 1)).ContextLength, Is.EqualTo(1));

    [Test]
    public void FollowsRunningLength_BoundStaticStrategyAndModelLevelEncoding_AreFalse()
    {
        Assert.That(ContextLengthStrategy.For(StrategyRegistry.Create("linear:factor=auto"), 512).FollowsRunningLength, Is.False);
        Assert.That(StrategyRegistry.Create("alibi").FollowsRunningLength, Is.False);
    }

    [Test]
    public void Frequencies_YarnBetasAndNoTruncation_AreUsed() =>
        // Correction range (0.81188, 2.61806), not floored/ceiled.
        Assert.That(Frequencies("yarn:factor=4,beta_fast=16,beta_slow=2,truncate=false", Geometry, 1024).InverseFrequencies,
            Is.EqualTo(new[] { 1.0, 0.2915256200879948, 0.050664394391007964, 0.007905694150420948, 0.0025, 0.0007905694150420947, 0.00025, 7.905694150420948e-05 })
                .Within(1e-13));

    [Test]
    public void Frequencies_DynamicYarnBetas_AreUsed() =>
        // s = 1024 / 256 = 4; truncated correction range (2, 3) (beta_fast 32 would give (0, 3), beta_slow 1 (2, 4)).
        Assert.That(Frequencies("dynamic-yarn:beta_fast=4,beta_slow=2", Geometry, 1024).InverseFrequencies,
            Is.EqualTo(new[] { 1.0, 0.31622776601683794, 0.1, 0.007905694150420948, 0.0025, 0.0007905694150420947, 0.00025, 7.905694150420948e-05 })
                .Within(1e-13));

    [Test]
    public void Frequencies_YarnRampAboveTheLastDimension_IsClampedToDMinusOne() =>
        // d = 8, theta = 10, L0 = 512: correction dims 1.62 and 7.64 -> (1, 8), the high end clamped to d - 1 = 7.
        Assert.That(Frequencies("yarn:factor=2", new RopeGeometry(8, 10, 512), 1024).InverseFrequencies,
            Is.EqualTo(new[] { 1.0, 0.5623413251903491, 0.2898754521821014, 0.14818995083657688 }).Within(1e-13));

    [Test]
    public void Frequencies_YarnZeroWidthRamp_WidensItUpwards() =>
        // L0 = 4: both correction dims are negative, so the range is (0, 0); transformers widens it to (0, 0.001): pair 0
        // extrapolates (1), every other pair interpolates (10000^(-2i/8) / 4).
        Assert.That(Frequencies("yarn:factor=4", new RopeGeometry(8, 10000, 4), 16).InverseFrequencies,
            Is.EqualTo(new[] { 1.0, 0.025, 0.0025, 0.00025 }).Within(1e-13));

    [Test]
    public void Frequencies_Llama3NonDefaultFreqFactors_AreUsed() =>
        // Wavelengths 6.3, 19.9 kept (< 256 / 8 = 32), 62.8 smoothed, 198.7 and longer divided by 8 (> 256 / 2 = 128).
        Assert.That(Frequencies("llama3:factor=8,low_freq_factor=2,high_freq_factor=8", Geometry, 1024).InverseFrequencies,
            Is.EqualTo(new[] { 1.0, 0.31622776601683794, 0.042751178754307596, 0.003952847075210474, 0.00125, 0.00039528470752104737, 0.000125, 3.952847075210474e-05 })
                .Within(1e-13));

    [Test]
    public void Create_Llama3EqualFreqFactors_IsRejected() =>
        // high == low would divide the smooth band by zero.
        Assert.That(Error("llama3:factor=8,low_freq_factor=2,high_freq_factor=2"), Does.Contain("must be greater than low_freq_factor"));

    [TestCase("yarn:factor=4,beta_fast=0")]
    [TestCase("yarn:factor=4,beta_slow=0")]
    [TestCase("yarn:factor=4,attention_factor=0")]
    [TestCase("dynamic-yarn:beta_fast=0")]
    [TestCase("dynamic-yarn:beta_slow=0")]
    [TestCase("llama3:factor=8,low_freq_factor=0")]
    [TestCase("longrope:short_factor=1,long_factor=1,attention_factor=0")]
    public void Create_ZeroWhereAPositiveNumberIsNeeded_IsRejected(string spec) =>
        Assert.That(Error(spec), Does.Contain("=0 must be > 0"));

    [Test]
    public void Create_LeakyReRopeParameters_BecomeItsAttention() =>
        Assert.That(StrategyRegistry.Create("leaky-rerope:window=128,k=8,logn=false").Attention, Is.EqualTo(new LeakyReRopeAttention(128, 8, false)));

    [Test]
    public void Frequencies_LongRopeExplicitFactor_SetsTheAttentionFactor() =>
        // s = 16, not the auto 1024 / 256 = 4: sqrt(1 + ln 16 / ln 256) = sqrt(1.5).
        Assert.That(Frequencies("longrope:factor=16,short_factor=1|1|1|1|1|1|1|1,long_factor=2|2|2|2|2|2|2|2", Geometry, 1024).AttentionFactor,
            Is.EqualTo(1.224744871391589).Within(1e-12));

    [Test]
    public void Frequencies_LongRope_ShortFactorsUpToL0_LongFactorsBeyond()
    {
        // d = 4, theta = 100: [1, 0.1]; short 1|2 -> [1, 0.05]; long 4|8 -> [0.25, 0.0125].
        var g = new RopeGeometry(4, 100, 256);
        Assert.That(Frequencies("longrope:short_factor=1|2,long_factor=4|8", g, 256).InverseFrequencies, Is.EqualTo(new[] { 1.0, 0.05 }).Within(1e-13));
        Assert.That(Frequencies("longrope:short_factor=1|2,long_factor=4|8", g, 257).InverseFrequencies, Is.EqualTo(new[] { 0.25, 0.0125 }).Within(1e-13));
    }

    [Test]
    public void Frequencies_LongRopeListsWithEmptyEntriesAndSemicolons_ReadAsNumbers() =>
        // "1||2" is [1, 2]; "3;4" is [3, 4]. At L0: [1 / 1, 0.1 / 2].
        Assert.That(Frequencies("longrope:short_factor=1||2,long_factor=3;4", new RopeGeometry(4, 100, 256), 256).InverseFrequencies,
            Is.EqualTo(new[] { 1.0, 0.05 }).Within(1e-13));

    [TestCase("longrope:short_factor=0|1,long_factor=1|1", "entry \"0\"")]
    [TestCase("longrope:short_factor=Infinity|1,long_factor=1|1", "entry \"Infinity\"")]
    [TestCase("longrope:long_factor=1", "needs parameter \"short_factor\"")]
    public void Create_LongRopeBadList_IsRejected(string spec, string expected) =>
        Assert.That(Error(spec), Does.Contain(expected));

    [Test]
    public void Create_TextForANumberWithNoLowerBound_IsRejected() =>
        // mscale's minimum is 0: an unparsed text must not pass as the 0 TryParse leaves behind.
        Assert.That(Error("yarn:factor=4,mscale=abc"), Does.Contain("mscale=abc is not a number"));

    [Test]
    public void Create_WindowOfInt32Max_IsAccepted() =>
        Assert.That(StrategyRegistry.Create("rerope:window=2147483647").Attention, Is.EqualTo(new ReRopeAttention(int.MaxValue, true)));

    [TestCase("true", true)]
    [TestCase("TRUE", true)]
    [TestCase("1", true)]
    [TestCase("yes", true)]
    [TestCase("false", false)]
    [TestCase("0", false)]
    [TestCase("no", false)]
    public void Create_FlagSpellings_AreRead(string text, bool logn) =>
        Assert.That(StrategyRegistry.Create($"rerope:logn={text}").Attention, Is.EqualTo(new ReRopeAttention(512, logn)));

    [TestCase(":factor=2", "has no name")]
    [TestCase("yarn:factor=2,factor=4", "\"factor\" is given twice")]
    public void Parse_NamelessOrRepeatedKey_IsRejected(string text, string expected) =>
        Assert.That(Assert.Throws<FormatException>(() => StrategySpec.Parse(text))!.Message, Does.Contain(expected));

    [Test]
    public void Equals_DifferentParameterValues_AreNotEqual()
    {
        Assert.That(StrategySpec.Parse("yarn:factor=2").Equals(StrategySpec.Parse("yarn:factor=4")), Is.False);
        Assert.That(StrategySpec.Parse("yarn:factor=2").Equals(StrategySpec.Parse(" YARN : factor = 2 ")), Is.True);
    }

    [Test]
    public void MScale_ScaleBelowOne_IsOne() =>
        // get_mscale: 1 for s <= 1 (0.1 ln 0.5 + 1 would be 0.93).
        Assert.That(YarnMath.MScale(0.5), Is.EqualTo(1.0));
}
