using Eval.Core.Positional;

namespace Eval.Tests.Positional;

/// <summary>Identities every strategy must satisfy, and the figures the YaRN paper states.</summary>
public class StrategyIdentityTests
{
    static readonly RopeGeometry Llama2 = new(128, 10000, 4096);

    static double[] Default(RopeGeometry g, int length) => StrategyRegistry.Create("default").Frequencies(g, length).InverseFrequencies;

    [TestCase("yarn:factor=1")]
    [TestCase("linear:factor=1")]
    [TestCase("ntk:factor=1")]
    [TestCase("llama3:factor=1")]
    [TestCase("dynamic:factor=2")]
    [TestCase("dynamic-yarn")]
    [TestCase("pi:factor=auto")]
    [TestCase("yarn:factor=auto")]
    public void Frequencies_AtOrBelowOriginalLengthOrFactorOne_EqualDefault(string spec)
    {
        foreach (var g in new[] { Llama2, new RopeGeometry(32, 500, 256), new RopeGeometry(64, 5e5, 8192) })
            foreach (int length in new[] { 1, g.OriginalContext / 2, g.OriginalContext })
            {
                var result = StrategyRegistry.Create(spec).Frequencies(g, length);
                Assert.That(result.InverseFrequencies, Is.EqualTo(Default(g, length)).Within(1e-15), $"{spec} {g} L={length}");
                Assert.That(result.AttentionFactor, Is.EqualTo(1.0));
            }
    }

    [Test]
    public void Yarn_Llama2Geometry_CorrectionRangeIs20To46()
    {
        var (low, high) = YarnMath.CorrectionRange(32, 1, 128, 10000, 4096, truncate: true);
        Assert.That((low, high), Is.EqualTo((20.0, 46.0)));
    }

    [Test]
    public void Yarn_Factor16_AttentionFactorIs1_27726()
    {
        var result = StrategyRegistry.Create("yarn:factor=16").Frequencies(Llama2, 65536);
        Assert.That(Math.Round(result.AttentionFactor, 5), Is.EqualTo(1.27726));
    }

    [Test]
    public void Yarn_Factor16_KeepsHighFrequenciesAndInterpolatesLowOnes()
    {
        double[] inv = StrategyRegistry.Create("yarn:factor=16").Frequencies(Llama2, 65536).InverseFrequencies;
        double[] plain = Default(Llama2, 65536);
        Assert.That(inv[..20], Is.EqualTo(plain[..20]).Within(1e-15), "dims below the ramp extrapolate");
        for (int i = 46; i < 64; i++) Assert.That(inv[i], Is.EqualTo(plain[i] / 16).Within(1e-12).Percent, $"dim {i} interpolates");
        for (int i = 21; i < 46; i++) Assert.That(inv[i], Is.LessThan(plain[i]).And.GreaterThan(plain[i] / 16), $"dim {i} blends");
    }

    [Test]
    public void Llama3_Factor8_HasThreeBands()
    {
        var g = new RopeGeometry(128, 500000, 8192);
        double[] inv = StrategyRegistry.Create("llama3:factor=8,low_freq_factor=1,high_freq_factor=4").Frequencies(g, 65536).InverseFrequencies;
        double[] plain = Default(g, 65536);
        int high = 0, low = 0, medium = 0;
        for (int i = 0; i < inv.Length; i++)
        {
            double wavelength = 2 * Math.PI / plain[i];
            if (wavelength < 8192 / 4.0) { Assert.That(inv[i], Is.EqualTo(plain[i])); high++; }
            else if (wavelength > 8192 / 1.0) { Assert.That(inv[i], Is.EqualTo(plain[i] / 8).Within(1e-12).Percent); low++; }
            else { Assert.That(inv[i], Is.InRange(plain[i] / 8, plain[i])); medium++; }
        }
        Assert.That(new[] { high, low, medium }, Has.All.GreaterThan(0));
    }

    [Test]
    public void Dynamic_EvaluationOrder_DoesNotChangeResults()
    {
        var strategy = StrategyRegistry.Create("dynamic:factor=4");
        double[] longFirst = strategy.Frequencies(Llama2, 16384).InverseFrequencies;
        double[] shortNext = strategy.Frequencies(Llama2, 2048).InverseFrequencies;
        double[] longAgain = strategy.Frequencies(Llama2, 16384).InverseFrequencies;
        Assert.That(longAgain, Is.EqualTo(longFirst));
        Assert.That(shortNext, Is.EqualTo(Default(Llama2, 2048)));
        Assert.That(longFirst[^1], Is.LessThan(shortNext[^1]), "longer sequences lower the frequencies");
    }

    [Test]
    public void AutoFactor_ResolvesToLengthOverOriginal()
    {
        var auto = StrategyRegistry.Create("pi:factor=auto").Frequencies(Llama2, 4096 * 6).InverseFrequencies;
        var fixedSix = StrategyRegistry.Create("pi:factor=6").Frequencies(Llama2, 4096 * 6).InverseFrequencies;
        Assert.That(auto, Is.EqualTo(fixedSix));
    }

    [Test]
    public void Ntk_Factor_ScalesBaseBySToTheDOverDMinus2()
    {
        var ntk = StrategyRegistry.Create("ntk:factor=8").Frequencies(Llama2, 32768).InverseFrequencies;
        var rebased = StrategyRegistry.Create($"base:theta={10000 * Math.Pow(8, 128.0 / 126)}").Frequencies(Llama2, 32768).InverseFrequencies;
        Assert.That(ntk, Is.EqualTo(rebased).Within(1e-12));
        Assert.That(ntk[0], Is.EqualTo(1.0), "the highest frequency is unchanged");
    }

    [TestCase("rerope", 512, true)]
    [TestCase("rerope:window=128,logn=false", 128, false)]
    public void ReRope_Parameters_BecomeAttentionVariant(string spec, int window, bool logn)
    {
        var strategy = StrategyRegistry.Create(spec);
        Assert.That(strategy.Kind, Is.EqualTo(PositionalKind.AttentionRope));
        Assert.That(strategy.Attention, Is.EqualTo(new ReRopeAttention(window, logn)));
        Assert.That(strategy.Frequencies(Llama2, 8192).InverseFrequencies, Is.EqualTo(Default(Llama2, 8192)));
    }

    [Test]
    public void AttentionLevelStrategies_Defaults_FollowTheirReferences()
    {
        Assert.That(StrategyRegistry.Create("leaky-rerope").Attention, Is.EqualTo(new LeakyReRopeAttention(512, 16, true)));
        Assert.That(StrategyRegistry.Create("self-extend").Attention, Is.EqualTo(new SelfExtendAttention(8, 1024)));
        Assert.That(StrategyRegistry.Create("self-extend:group_size=4,window=64").Attention, Is.EqualTo(new SelfExtendAttention(4, 64)));
    }

    [TestCase("alibi", PositionalKind.Alibi)]
    [TestCase("nope", PositionalKind.NoPE)]
    [TestCase("kerple", PositionalKind.Kerple)]
    [TestCase("xpos", PositionalKind.Xpos)]
    [TestCase("hwfa", PositionalKind.Hwfa)]
    public void ModelLevelEncodings_HaveNoFrequencies(string name, PositionalKind kind)
    {
        var strategy = StrategyRegistry.Create(name);
        Assert.That(strategy.Kind, Is.EqualTo(kind));
        Assert.Throws<InvalidOperationException>(() => strategy.Frequencies(Llama2, 10));
    }

    [TestCase("none", "default")]
    [TestCase("pi:factor=2", "linear:factor=2")]
    [TestCase("dynamic-ntk:factor=2", "dynamic:factor=2")]
    [TestCase("YARN:Factor=8 , beta-fast=16", "yarn:beta_fast=16,factor=8")]
    public void Create_AliasOrMessySpelling_GivesCanonicalSpec(string text, string canonical) =>
        Assert.That(StrategyRegistry.Create(text).Spec.ToString(), Is.EqualTo(canonical));
}
