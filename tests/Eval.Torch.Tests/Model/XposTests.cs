using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// xPos (Sun et al., 2022): RoPE whose rotated query at n is scaled per pair by zeta_j^(n / 512) and rotated key at m by
/// zeta_j^(-m / 512), zeta_j = (2j + 0.4 d) / (1.4 d). The reference uses n and m uncentred, in double loops, so it
/// also checks that the runtime's centring cancels.
/// </summary>
public class XposTests
{
    static LlamaArchitecture Architecture(int? window = null) =>
        TinyCheckpoint.Architecture(PositionEncoding.Xpos, trainedLength: 16) with { SlidingWindow = window };

    /// <summary>
    /// The xPos logit from unrotated head vectors: pair j = (dims j, j + d/2) of q turned by i theta_j and scaled by
    /// zeta_j^(i / gamma), of k turned by j theta_j and scaled by zeta_j^(-j / gamma); theta_j = 10000^(-2j / d).
    /// <paramref name="scaled"/> false: plain RoPE (a control).
    /// </summary>
    static LoopReference.Logit XposLogit(double gamma = 512, bool scaled = true) => (layer, h, i, j, q, k) =>
    {
        int d = q.Length, half = d / 2;
        double sum = 0;
        for (int p = 0; p < half; p++)
        {
            double theta = Math.Pow(10000, -2.0 * p / d), zeta = (2.0 * p + 0.4 * d) / (1.4 * d);
            double qs = scaled ? Math.Pow(zeta, i / gamma) : 1, ks = scaled ? Math.Pow(zeta, -j / gamma) : 1;
            double q0 = (q[p] * Math.Cos(i * theta) - q[p + half] * Math.Sin(i * theta)) * qs;
            double q1 = (q[p + half] * Math.Cos(i * theta) + q[p] * Math.Sin(i * theta)) * qs;
            double k0 = (k[p] * Math.Cos(j * theta) - k[p + half] * Math.Sin(j * theta)) * ks;
            double k1 = (k[p + half] * Math.Cos(j * theta) + k[p] * Math.Sin(j * theta)) * ks;
            sum += q0 * k0 + q1 * k1;
        }
        return sum / Math.Sqrt(d);
    };

    [TestCase(null, TestName = "xPos model, full causal attention")]
    [TestCase(7, TestName = "xPos model under a sliding window of 7")]
    public void Score_SavedAndLoadedXposCheckpoint_MatchesTheFloat64Reference(int? window)
    {
        var architecture = Architecture(window);
        using var model = TinyCheckpoint.RandomModel(architecture, seed: 12);
        string folder = TinyCheckpoint.Write(model, TinyCheckpoint.TempDirectory());
        var weights = model.state_dict().ToDictionary(p => p.Key, p => p.Value);
        int[] tokens = FamilyCheckpoint.Tokens(40, 4);
        var harness = FamilyCheckpoint.HarnessNll(folder, tokens);

        double difference = FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, XposLogit()));
        TestContext.Progress.WriteLine($"xpos window={window?.ToString() ?? "none"}: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        // The scale matters at this length only a little (zeta^(39/512) >= 0.91), so the control is a scale base of 8.
        Assert.That(FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, XposLogit(scaled: false))), Is.GreaterThan(1e-4),
            "xPos differs from plain RoPE");
        Assert.That(FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, XposLogit(gamma: 8))), Is.GreaterThan(1e-3));
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void Logits_DependOnlyOnRelativeDistance_UnderAWindow()
    {
        // Same q, k, v rows moved 300 positions later (junk before them), under a window: each query sees the same keys
        // at the same distances, so outputs match although every factor and rotation differs.
        using var scope = NewDisposeScope();
        const int heads = 4, length = 20, headDim = 8, shift = 300, window = 6;
        manual_seed(3);
        var q = randn(1, heads, length, headDim);
        var k = randn(1, heads, length, headDim);
        var v = randn(1, heads, length, headDim);
        Tensor Shifted(Tensor x) => cat([randn(1, heads, shift, headDim), x], dim: 2);
        var architecture = Architecture(window) with { Heads = heads, KvHeads = heads };
        var strategy = StrategyRegistry.Create("xpos");
        using var plan = new PositionalAttention(strategy, architecture, 0, length, length);
        using var later = new PositionalAttention(strategy, architecture, 0, length + shift, length + shift);
        var early = plan.Attend(q, k, v);
        var moved = later.Attend(Shifted(q), Shifted(k), Shifted(v))[.., .., TensorIndex.Slice(shift, null)];
        var tail = TensorIndex.Slice(window - 1, null);
        double difference = (early[.., .., tail] - moved[.., .., tail]).abs().max().item<float>();
        TestContext.Progress.WriteLine($"xpos shifted by {shift}: max |output difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
    }

    [Test]
    public void QueryAndKeyFactors_AreReciprocal_AndDecayWithDistance()
    {
        using var scope = NewDisposeScope();
        var up = XposScale.Factors(1000, 8, +1);
        var down = XposScale.Factors(1000, 8, -1);
        Assert.That((up * down - 1).abs().max().item<float>(), Is.LessThan(1e-6f), "same position: factor 1");
        // query 900, key 100: zeta_j^(800 / 512) whatever the centre; pair 0's zeta is 0.4 / 1.4.
        double expected = Math.Pow(0.4 / 1.4, 800 / 512.0);
        Assert.That((up[900, 0] * down[100, 0]).item<float>(), Is.EqualTo(expected).Within(1e-6));
        Assert.That((up[900, 0] * down[100, 0]).item<float>(), Is.LessThan((up[900, 3] * down[100, 3]).item<float>()), "low pairs decay fastest");
        Assert.That(XposScale.MaxKeys(32), Is.EqualTo((int)(2 * 80 * 512 / Math.Log(3.5))), "zeta_0^(-S/2/512) <= e^80: S <= 65,391 at d = 32");
    }

    [Test]
    public void CachedForward_InChunks_EqualsOneFullForward()
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        double difference = ChunkedForward.MaxDifference(model);
        TestContext.Progress.WriteLine($"xpos cached vs full: max |logit difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
    }

    [Test]
    public void LongerThanFloat32Allows_IsNotApplicable()
    {
        var architecture = Architecture() with { HeadDim = 32, Heads = 1, KvHeads = 1 };
        int most = XposScale.MaxKeys(32);
        var e = Assert.Throws<NotApplicableException>(() => new PositionalAttention(StrategyRegistry.Create("xpos"), architecture, most, 1, most + 1));
        Assert.That(e!.Message, Does.Contain($"at most {most} positions").And.Contain($"{most + 1} asked"));
        using var fits = new PositionalAttention(StrategyRegistry.Create("xpos"), architecture, most - 1, 1, most);
    }

    [TestCase("default")]
    [TestCase("linear:factor=2")]
    [TestCase("rerope:window=8")]
    [TestCase("sinks:start=4,window=8")]
    public void XposModel_RefusesOtherStrategies(string strategy)
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        var e = Assert.Throws<ArgumentException>(() => model.Hidden(zeros(1, 4, dtype: ScalarType.Int64), StrategyRegistry.Create(strategy)));
        Assert.That(e!.Message, Does.Contain(strategy).And.Contain("Xpos"));
    }
}
