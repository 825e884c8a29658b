using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// HWFA (Su, 2023, hybrid window-full attention): every layer but the last attends to its last W keys with RoPE; the last
/// attends to all keys without positions, its logits scaled by max(1, log(i + 1) / log L0). The reference is written out
/// in double loops (<see cref="LoopReference"/>).
/// </summary>
public class HwfaTests
{
    const int Window = 5, TrainedLength = 16;

    static LlamaArchitecture Architecture() =>
        TinyCheckpoint.Architecture(PositionEncoding.Hwfa, trainedLength: TrainedLength) with { Layers = 3, SlidingWindow = Window };

    /// <summary>RoPE (theta 10,000, rotate-half pairs) in the windowed layers; the last layer q.k times the log-n scale, no rotation.</summary>
    static LoopReference.Logit HwfaLogit(int layers, bool logN = true, bool ropeInLastLayer = false) => (layer, h, i, j, q, k) =>
    {
        int d = q.Length, half = d / 2;
        if (layer == layers - 1 && !ropeInLastLayer)
            return (logN ? Math.Max(1, Math.Log(i + 1) / Math.Log(TrainedLength)) : 1) * LoopReference.Dot(q, k) / Math.Sqrt(d);
        double sum = 0;
        for (int p = 0; p < half; p++)
        {
            double theta = Math.Pow(10000, -2.0 * p / d);
            double q0 = q[p] * Math.Cos(i * theta) - q[p + half] * Math.Sin(i * theta), q1 = q[p + half] * Math.Cos(i * theta) + q[p] * Math.Sin(i * theta);
            double k0 = k[p] * Math.Cos(j * theta) - k[p + half] * Math.Sin(j * theta), k1 = k[p + half] * Math.Cos(j * theta) + k[p] * Math.Sin(j * theta);
            sum += q0 * k0 + q1 * k1;
        }
        return sum / Math.Sqrt(d);
    };

    [Test]
    public void Windows_CoverEveryLayerButTheLast()
    {
        var a = Architecture();
        Assert.That(Enumerable.Range(0, 3).Select(a.WindowOf), Is.EqualTo(new int?[] { Window, Window, null }));
        Assert.That(Enumerable.Range(0, 3).Select(a.IsFullNoPELayer), Is.EqualTo(new[] { false, false, true }));
        Assert.That(a.ToConfig("float32").ModelType, Is.EqualTo("mistral"), "config.json carries the window as mistral's sliding_window");
    }

    [Test]
    public void Score_SavedAndLoadedHwfaCheckpoint_MatchesTheFloat64Reference()
    {
        var architecture = Architecture();
        using var model = TinyCheckpoint.RandomModel(architecture, seed: 13);
        string folder = TinyCheckpoint.Write(model, TinyCheckpoint.TempDirectory());
        var weights = model.state_dict().ToDictionary(p => p.Key, p => p.Value);
        int[] tokens = FamilyCheckpoint.Tokens(40, 5);                          // past L0 = 16, so log-n acts
        var harness = FamilyCheckpoint.HarnessNll(folder, tokens);

        double difference = FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, HwfaLogit(3)));
        TestContext.Progress.WriteLine($"hwfa: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        Assert.That(FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, HwfaLogit(3, logN: false))), Is.GreaterThan(1e-4), "log-n matters past L0");
        Assert.That(FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, HwfaLogit(3, ropeInLastLayer: true))), Is.GreaterThan(1e-3), "the last layer has no positions");
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void LastLayer_IgnoresTheOrderOfEarlierKeys_WindowedLayers_OnlyTheirDistances()
    {
        using var scope = NewDisposeScope();
        const int heads = 4, length = 20, headDim = 8, shift = 300;
        manual_seed(3);
        var q = randn(1, heads, length, headDim);
        var k = randn(1, heads, length, headDim);
        var v = randn(1, heads, length, headDim);
        var architecture = Architecture() with { Heads = heads, KvHeads = heads };
        var strategy = StrategyRegistry.Create("hwfa");
        using var plan = new PositionalAttention(strategy, architecture, 0, length, length);
        // Last layer: the last query's output is the same with its earlier keys and values in reverse order.
        var reversed = arange(length - 2, -1, -1, dtype: ScalarType.Int64);
        Tensor Reordered(Tensor x) => cat([x.index_select(2, reversed), x[.., .., TensorIndex.Slice(length - 1, null)]], dim: 2);
        var last = TensorIndex.Slice(length - 1, null);
        Assert.That((plan.Attend(q, k, v, 2)[.., .., last] - plan.Attend(Reordered(q), Reordered(k), Reordered(v), 2)[.., .., last]).abs().max().item<float>(),
            Is.LessThan(1e-5f));
        // A windowed layer: the same rows 300 positions later give the same outputs.
        Tensor Shifted(Tensor x) => cat([randn(1, heads, shift, headDim), x], dim: 2);
        using var later = new PositionalAttention(strategy, architecture, 0, length + shift, length + shift);
        var moved = later.Attend(Shifted(q), Shifted(k), Shifted(v), 0)[.., .., TensorIndex.Slice(shift, null)];
        var tail = TensorIndex.Slice(Window - 1, null);
        Assert.That((plan.Attend(q, k, v, 0)[.., .., tail] - moved[.., .., tail]).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void CachedForward_InChunks_EqualsOneFullForward()
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        double difference = ChunkedForward.MaxDifference(model);
        TestContext.Progress.WriteLine($"hwfa cached vs full: max |logit difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
    }

    [TestCase("default")]
    [TestCase("yarn:factor=2")]
    [TestCase("nope")]
    [TestCase("sinks:start=4,window=8")]
    public void HwfaModel_RefusesOtherStrategies(string strategy)
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        var e = Assert.Throws<ArgumentException>(() => model.Hidden(zeros(1, 4, dtype: ScalarType.Int64), StrategyRegistry.Create(strategy)));
        Assert.That(e!.Message, Does.Contain(strategy).And.Contain("Hwfa"));
    }
}
