using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Zoo;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// KERPLE-log (Chi et al., 2022): logits q k^T / sqrt(hd) - r1_h log(1 + r2_h (i - j)), r1 and r2 learned per head and
/// layer. The reference is the paper's formula in plain double loops over the checkpoint's weights (<see cref="LoopReference"/>).
/// </summary>
public class KerpleTests
{
    static LlamaArchitecture Architecture(int? window = null) =>
        TinyCheckpoint.Architecture(PositionEncoding.Kerple, trainedLength: 16) with { SlidingWindow = window };

    /// <summary>KERPLE's logit for layer l, head h, query i, key j: q.k / sqrt(hd) - r1 log(1 + r2 (i - j)), r1, r2 read from the weights.</summary>
    static LoopReference.Logit KerpleLogit(Dictionary<string, Tensor> weights, bool withBias = true)
    {
        int layers = weights.Keys.Count(key => key.EndsWith("kerple_r1", StringComparison.Ordinal));
        var r1 = Enumerable.Range(0, layers).Select(l => LoopReference.Matrix(weights, $"model.layers.{l}.self_attn.kerple_r1")).ToArray();
        var r2 = Enumerable.Range(0, layers).Select(l => LoopReference.Matrix(weights, $"model.layers.{l}.self_attn.kerple_r2")).ToArray();
        return (layer, h, i, j, q, k) =>
            LoopReference.Dot(q, k) / Math.Sqrt(q.Length) - (withBias ? r1[layer][0, h] * Math.Log(1 + r2[layer][0, h] * (i - j)) : 0);
    }

    [TestCase(null, TestName = "KERPLE model, full causal attention")]
    [TestCase(7, TestName = "KERPLE model under a sliding window of 7")]
    public void Score_SavedAndLoadedKerpleCheckpoint_MatchesTheFloat64Reference(int? window)
    {
        var architecture = Architecture(window);
        using var model = TinyCheckpoint.RandomModel(architecture, seed: 11);
        string folder = TinyCheckpoint.Write(model, TinyCheckpoint.TempDirectory());
        var weights = model.state_dict().ToDictionary(p => p.Key, p => p.Value);
        int[] tokens = FamilyCheckpoint.Tokens(40, 3);
        long budget = RowBlockAttention.ScoreBudget;
        RowBlockAttention.ScoreBudget = 4 * 40 * 16;                       // several row blocks
        double[] harness;
        try { harness = FamilyCheckpoint.HarnessNll(folder, tokens); }
        finally { RowBlockAttention.ScoreBudget = budget; }

        double difference = FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, KerpleLogit(weights)));
        TestContext.Progress.WriteLine($"kerple window={window?.ToString() ?? "none"}: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        Assert.That(FamilyCheckpoint.MaxDifference(harness, LoopReference.Nll(weights, architecture, tokens, KerpleLogit(weights, withBias: false))), Is.GreaterThan(1e-3),
            "the learned biases change the model");
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void Checkpoint_HasPerLayerR1AndR2_CountedInTheParameters()
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        var names = model.named_parameters().Select(p => p.name).ToList();
        for (int layer = 0; layer < 2; layer++)
        {
            Assert.That(names, Does.Contain($"model.layers.{layer}.self_attn.kerple_r1"));
            Assert.That(names, Does.Contain($"model.layers.{layer}.self_attn.kerple_r2"));
        }
        Assert.That(new Eval.Core.Models.ModelCost(model.Architecture.ToConfig("float32"), 4).TotalParameters, Is.EqualTo(model.ParameterCount()));
        using var rope = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture());
        Assert.That(rope.named_parameters().Select(p => p.name), Has.None.Contains("kerple"));
    }

    [Test]
    public void Bias_DependsOnlyOnRelativeDistance_UnderAWindow()
    {
        // Under a window W a query sees only its last W keys, so with the same q, k, v rows shifted c positions later
        // (junk before them) each query attends to the same keys at the same distances: outputs must match.
        using var scope = NewDisposeScope();
        const int heads = 4, length = 20, headDim = 8, shift = 13, window = 6;
        manual_seed(3);
        var q = randn(1, heads, length, headDim);
        var k = randn(1, heads, length, headDim);
        var v = randn(1, heads, length, headDim);
        var r1 = rand(heads) * 2 + 0.1;
        var r2 = rand(heads) + 0.1;
        Tensor Shifted(Tensor x) => cat([randn(1, heads, shift, headDim), x], dim: 2);
        var architecture = Architecture(window) with { Heads = heads, KvHeads = heads };
        var strategy = StrategyRegistry.Create("kerple");
        using var plan = new PositionalAttention(strategy, architecture, 0, length, length);
        using var later = new PositionalAttention(strategy, architecture, 0, length + shift, length + shift);
        var early = plan.Attend(q, k, v, 0, (r1, r2));
        var moved = later.Attend(Shifted(q), Shifted(k), Shifted(v), 0, (r1, r2))[.., .., TensorIndex.Slice(shift, null)];
        var tail = TensorIndex.Slice(window - 1, null);                      // rows whose window is whole in both
        Assert.That((early[.., .., tail] - moved[.., .., tail]).abs().max().item<float>(), Is.LessThan(1e-5f));
        // ... and the bias is what makes far keys count less: the same keys nearer give different outputs.
        Assert.That(early.allclose(plan.Attend(q, k, v, 0, (r1 * 0, r2)), rtol: 1e-3, atol: 1e-3), Is.False);
    }

    /// <summary>Scoring (no gradients) takes the fused kernel with the bias as a mask; training the explicit scores: same outputs.</summary>
    [TestCase(null)]
    [TestCase(5)]
    public void FusedPathWithoutGradients_EqualsTheExplicitPath(int? window)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var (q, k, v) = (randn(1, 4, 30, 8), randn(1, 4, 30, 8), randn(1, 4, 30, 8));
        var (r1, r2) = (rand(4) * 2 + 0.1, rand(4) + 0.1);
        long budget = RowBlockAttention.ScoreBudget;
        RowBlockAttention.ScoreBudget = 4 * 30 * 16;                        // several row blocks
        try
        {
            var explicitScores = RowBlockAttention.Kerple(q, k, v, 0, r1, r2, window);   // gradients on: explicit
            Tensor fused;
            using (no_grad()) fused = RowBlockAttention.Kerple(q, k, v, 0, r1, r2, window);
            Assert.That((explicitScores - fused).abs().max().item<float>(), Is.LessThan(1e-5f));
        }
        finally { RowBlockAttention.ScoreBudget = budget; }
    }

    [Test]
    public void CachedForward_InChunks_EqualsOneFullForward()
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        double difference = ChunkedForward.MaxDifference(model);
        TestContext.Progress.WriteLine($"kerple cached vs full: max |logit difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
    }

    [Test]
    public void R1AndR2_Train_AndAreKeptAtLeastTheFloor()
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        model.train();
        var r1 = model.named_parameters().Single(p => p.name == "model.layers.1.self_attn.kerple_r1").parameter;
        var r2 = model.named_parameters().Single(p => p.name == "model.layers.1.self_attn.kerple_r2").parameter;
        using (no_grad()) { r1.copy_(tensor(new[] { -3f, 0.5f, 1f, 1.5f })); r2.copy_(tensor(new[] { 0.3f, 0.001f, 0.7f, 1f })); }
        var ids = tensor(FamilyCheckpoint.Tokens(12, 2).Select(t => (long)t).ToArray(), [1, 12]);
        var logits = model.Logits(model.Hidden(ids, model.Architecture.NativeStrategy()));
        nn.functional.cross_entropy(logits[0, TensorIndex.Slice(0, -1)], ids[0, TensorIndex.Slice(1, null)]).backward();
        Assert.That(r1.data<float>().Min(), Is.EqualTo((float)KerpleLogBias.Floor).Within(1e-7), "clamped as the reference clamps");
        Assert.That(r2.data<float>().Min(), Is.EqualTo((float)KerpleLogBias.Floor).Within(1e-7));
        Assert.That(r1.grad!.abs().min().item<float>(), Is.GreaterThan(0f), "every head's r1 gets a gradient");
        Assert.That(r2.grad!.abs().min().item<float>(), Is.GreaterThan(0f));
    }

    [Test]
    public void ZooInitializer_StartsR1AndR2AsTheReference()
    {
        using var model = new LlamaForCausalLM(Architecture() with { Heads = 64, KvHeads = 64, HeadDim = 2 });
        ZooInitializer.Initialize(model, seed: 1);
        var r1 = model.named_parameters().Where(p => p.name.EndsWith("kerple_r1")).SelectMany(p => p.parameter.data<float>().ToArray()).ToList();
        var r2 = model.named_parameters().Where(p => p.name.EndsWith("kerple_r2")).SelectMany(p => p.parameter.data<float>().ToArray()).ToList();
        Assert.That(r1, Has.Count.EqualTo(2 * 64));
        Assert.That(r1, Has.All.InRange(0f, 2f));                                 // U(0, 2)
        Assert.That(r1.Min() < 0.25f && r1.Max() > 1.75f, Is.True);
        Assert.That(r2, Has.All.InRange(0f, 1f));                                 // U(0, 1)
        Assert.That(r2.Min() < 0.125f && r2.Max() > 0.875f, Is.True);
    }

    [TestCase("default")]
    [TestCase("yarn:factor=2")]
    [TestCase("alibi")]
    [TestCase("sinks:start=4,window=8")]
    public void KerpleModel_RefusesStrategiesOfOtherEncodings(string strategy)
    {
        using var model = TinyCheckpoint.RandomModel(Architecture());
        var e = Assert.Throws<ArgumentException>(() => model.Hidden(zeros(1, 4, dtype: ScalarType.Int64), StrategyRegistry.Create(strategy)));
        Assert.That(e!.Message, Does.Contain(strategy).And.Contain("Kerple"));
    }
}
