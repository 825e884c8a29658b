using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Model.Attention;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

public class AttentionVariantTests
{
    /// <summary>Kernels are looked up: every attention variant a strategy can ask for has exactly one.</summary>
    [Test]
    public void EveryAttentionVariant_HasOneKernel()
    {
        var variants = typeof(AttentionVariant).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(AttentionVariant)) && !t.IsAbstract).ToList();
        Assert.That(variants, Has.Count.GreaterThanOrEqualTo(5));
        Assert.That(Eval.Torch.Model.Attention.AttentionKernels.Variants, Is.EquivalentTo(variants));
    }

    static Tensor Logits(LlamaForCausalLM model, Tensor ids, string strategy)
    {
        using var noGrad = no_grad();
        return model.Logits(model.Hidden(ids, StrategyRegistry.Create(strategy)));
    }

    static Tensor RandomIds(int length, int seed = 3)
    {
        manual_seed(seed);
        return randint(3, 4096, [1, length], dtype: ScalarType.Int64);
    }

    [TestCase("rerope:window=64,logn=false")]
    [TestCase("rerope:window=40")]
    [TestCase("leaky-rerope:window=40,k=8")]
    [TestCase("self-extend:group_size=4,window=40")]
    [TestCase("yarn:factor=1")]
    [TestCase("linear:factor=1")]
    [TestCase("ntk:factor=1")]
    [TestCase("dynamic:factor=4")]
    public void Strategy_ThatReducesToRopeAtThisLength_GivesDefaultLogits(string strategy)
    {
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 64));
        var ids = RandomIds(40);
        Assert.That(Logits(model, ids, strategy).allclose(Logits(model, ids, "default"), rtol: 1e-4, atol: 1e-5), Is.True);
    }

    [TestCase("rerope:window=16")]
    [TestCase("self-extend:group_size=4,window=16")]
    [TestCase("linear:factor=2")]
    public void Strategy_ThatChangesPositions_ChangesLogitsBeyondItsWindow(string strategy)
    {
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 64));
        var ids = RandomIds(40);
        Assert.That(Logits(model, ids, strategy).allclose(Logits(model, ids, "default"), rtol: 1e-4, atol: 1e-5), Is.False);
    }

    /// <summary>
    /// The row-block computation against the authors' formulation, written out over the full S x S matrix:
    /// two rotated score matrices, chosen per pair by |i - j| &lt; w, causal mask, softmax.
    /// </summary>
    /// <remarks>With the model's sliding window (Mistral's, issue #33) keys at i - j &gt;= it are hidden whether near or far.</remarks>
    [TestCase("rerope:window=7,logn=false", null)]
    [TestCase("rerope:window=7,logn=true", null)]
    [TestCase("leaky-rerope:window=6,k=4,logn=false", null)]
    [TestCase("self-extend:group_size=3,window=8", null)]
    [TestCase("rerope:window=7,logn=false", 20)]
    [TestCase("rerope:window=7,logn=true", 5)]
    [TestCase("leaky-rerope:window=6,k=4,logn=false", 13)]
    [TestCase("self-extend:group_size=3,window=8", 30)]
    [TestCase("self-extend:group_size=3,window=8", 1)]
    public void DualRotary_ManySmallRowBlocks_MatchesFullMatrixReference(string spec, int? slidingWindow)
    {
        using var scope = NewDisposeScope();
        const int heads = 2, length = 50, headDim = 8, trained = 16;
        var (q, k, v) = RandomQkv(heads, length, headDim, seed: 11);
        var strategy = StrategyRegistry.Create(spec);
        var architecture = TinyCheckpoint.Architecture(trainedLength: trained) with { Heads = heads, KvHeads = heads, SlidingWindow = slidingWindow };

        long budget = RowBlockAttention.ScoreBudget;
        int minRows = RowBlockAttention.DualRotaryMinRows;
        RowBlockAttention.ScoreBudget = heads * length * 16; // 16-row blocks: the band crosses block edges
        RowBlockAttention.DualRotaryMinRows = 16;
        Tensor blockwise;
        try
        {
            using var plan = new PositionalAttention(strategy, architecture, 0, length, length);
            blockwise = plan.Attend(q, k, v);
        }
        finally { (RowBlockAttention.ScoreBudget, RowBlockAttention.DualRotaryMinRows) = (budget, minRows); }

        var reference = FullMatrixReference(q, k, v, strategy.Attention, trained, slidingWindow);
        Assert.That(blockwise.allclose(reference, rtol: 1e-4, atol: 1e-5), Is.True,
            $"max difference {(blockwise - reference).abs().max().item<float>()}");
    }

    /// <summary>
    /// bf16 without a cache takes <c>NativeCausalAttention.AttendDualRotary</c> (head dims a multiple of 16, where built)
    /// or <c>MatmulCausalAttention.AttendDualRotary</c> (scores in bf16, as bojone's patch in the model's dtype): the same
    /// reference, to bf16's rounding. 600 rows cross the native kernel's 64-row tiles and the blocks' 256-row ones with
    /// the band (a budget of one head per block splits the heads); the reference differs from plain RoPE's by far more
    /// than the tolerance.
    /// </summary>
    [TestCase("rerope:window=40,logn=false", 8)]
    [TestCase("rerope:window=40,logn=true", 8)]
    [TestCase("leaky-rerope:window=30,k=4,logn=false", 8)]
    [TestCase("self-extend:group_size=3,window=40", 8)]
    [TestCase("rerope:window=40,logn=true", 32)]
    [TestCase("leaky-rerope:window=30,k=4,logn=false", 32)]
    [TestCase("self-extend:group_size=3,window=40", 32)]
    [TestCase("self-extend:group_size=4,window=100", 16)]
    public void DualRotary_Bf16_MatchesFullMatrixReference(string spec, int headDim)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        const int heads = 2, length = 600, trained = 64;
        var (q, k, v) = RandomQkv(heads, length, headDim, seed: 11);
        var strategy = StrategyRegistry.Create(spec);
        var architecture = TinyCheckpoint.Architecture(trainedLength: trained) with { Heads = heads, KvHeads = heads, HeadDim = headDim };

        var output = Bf16OneHeadPerBlock(strategy, architecture, q, k, v);

        var reference = FullMatrixReference(q, k, v, strategy.Attention, trained);
        double worst = (output - reference).abs().max().item<float>();
        double rms = (output - reference).square().mean().sqrt().item<float>();
        // bf16 rounds scores by 2^-9 relative; log-n makes them up to 1.5x larger here: errors of a few 1e-2 at worst.
        Assert.That(worst, Is.LessThan(0.05), $"max {worst:E2}, rms {rms:E2}");
        Assert.That(rms, Is.LessThan(3e-3), $"max {worst:E2}, rms {rms:E2}");
        using var rope = new PositionalAttention(StrategyRegistry.Create("default"), architecture, 0, length, length);
        Assert.That((rope.Attend(q, k, v) - reference).abs().max().item<float>(), Is.GreaterThan(0.3));
    }

    static (Tensor Q, Tensor K, Tensor V) RandomQkv(int heads, int length, int headDim, int seed)
    {
        manual_seed(seed);
        return (randn(1, heads, length, headDim), randn(1, heads, length, headDim), randn(1, heads, length, headDim));
    }

    /// <summary>The plan's attention of q, k, v rounded to bf16, with a score budget of one head per block; fp32 out.</summary>
    static Tensor Bf16OneHeadPerBlock(IPositionalStrategy strategy, LlamaArchitecture architecture, Tensor q, Tensor k, Tensor v, (Tensor, Tensor)? kerple = null)
    {
        long length = q.shape[2], budget = MatmulCausalAttention.ScoresPerBlock;
        MatmulCausalAttention.ScoresPerBlock = MatmulCausalAttention.RowsPerBlock * length;
        try
        {
            using var plan = new PositionalAttention(strategy, architecture, 0, (int)length, (int)length);
            var bf16 = ScalarType.BFloat16;
            Assert.That(MatmulCausalAttention.Serves(q.to(bf16)), Is.True);
            TestContext.Out.WriteLine(NativeCausalAttention.Serves(q.to(bf16), k.to(bf16), v.to(bf16)) ? "native kernel" : "libtorch blocks");
            return plan.Attend(q.to(bf16), k.to(bf16), v.to(bf16), kerple: kerple).to(ScalarType.Float32);
        }
        finally { MatmulCausalAttention.ScoresPerBlock = budget; }
    }

    static Tensor FullMatrixReference(Tensor q, Tensor k, Tensor v, AttentionVariant variant, int trained, int? slidingWindow = null)
    {
        int length = (int)q.shape[2], headDim = (int)q.shape[3];
        var inverse = tensor(RopeStrategy.InverseFrequencies(headDim, 10000)).to(ScalarType.Float32);
        var positions = arange(length, dtype: ScalarType.Float32);
        // Written out, independent of Rotary (a reference built with the code under test agrees with its bugs): pair
        // (i, i + d/2) turns by the angle position x f_i, HF Llama's rotate-half layout.
        static Tensor Rotate(Tensor x, Tensor at, Tensor frequencies)
        {
            long half = x.shape[^1] / 2;
            var angle = at.to(ScalarType.Float64).view(-1, 1) * frequencies.to(ScalarType.Float64).view(1, -1); // (P, d/2)
            var cos = angle.cos().to(x.dtype);
            var sin = angle.sin().to(x.dtype);
            var a = x[TensorIndex.Ellipsis, TensorIndex.Slice(0, half)];
            var b = x[TensorIndex.Ellipsis, TensorIndex.Slice(half, null)];
            return cat([a * cos - b * sin, b * cos + a * sin], dim: -1);
        }
        (int window, bool logn, Tensor q2, Tensor k2) = variant switch
        {
            // bojone: query_states2 at position w, key_states2 unrotated.
            ReRopeAttention r => (r.Window, r.LogN, Rotate(q, full(length, (float)r.Window), inverse), k),
            // bojone leaky: rotary_emb2 = linear scaling by k; queries at position_ids + w(k - 1), keys at position_ids.
            LeakyReRopeAttention l => (l.Window, l.LogN,
                Rotate(q, positions + l.Window * (l.K - 1), inverse / l.K), Rotate(k, positions, inverse / l.K)),
            // LongLM: group_query_position = i // G + W - W / G, group_key_position = j // G.
            SelfExtendAttention s => (s.Window, false,
                Rotate(q, positions.div(s.GroupSize, rounding_mode: RoundingMode.floor) + (s.Window - (double)s.Window / s.GroupSize), inverse),
                Rotate(k, positions.div(s.GroupSize, rounding_mode: RoundingMode.floor), inverse)),
            _ => throw new ArgumentException(variant.ToString()),
        };
        var scale = logn ? ((positions + 1).log() / Math.Log(trained)).clamp_min(1).view(-1, 1) : ones(length, 1);
        var q1 = Rotate(q * scale, positions, inverse);
        q2 = logn ? Rotate(q * scale, full(length, (float)((ReRopeAttention)variant).Window), inverse) : q2;
        var k1 = Rotate(k, positions, inverse);
        var scores1 = q1.matmul(k1.transpose(-2, -1)) / Math.Sqrt(headDim);
        var scores2 = q2.matmul(k2.transpose(-2, -1)) / Math.Sqrt(headDim);
        var distance = positions.view(-1, 1) - positions.view(1, -1);
        // The near/far boundary (distance < w, not <=) is seen only by the Self-Extend cases: for ReRoPE both rotations
        // agree at distance w (query at w, key at 0 is the same relative position), so keep a Self-Extend case here.
        var hidden = slidingWindow is int w ? (distance < 0) | (distance >= w) : distance < 0;   // transformers: kv_idx > q_idx - sliding_window
        var scores = where(distance.abs() < window, scores1, scores2).masked_fill(hidden, double.NegativeInfinity);
        return scores.softmax(-1).matmul(v);
    }

    /// <summary>
    /// ALiBi and KERPLE in bf16 without a cache take <c>NativeCausalAttention.AttendWithBias</c> (head dims a multiple of
    /// 16, where built) or <c>MatmulCausalAttention.AttendWithBias</c>: the full-matrix reference (Press et al.'s slopes;
    /// KERPLE-log with r1, r2 per head) to bf16's rounding, over 600 rows in 256-row blocks with one head per block, so
    /// each head must get its own slope; plain causal attention differs by far more.
    /// </summary>
    [TestCase(PositionEncoding.Alibi, "alibi", 8)]
    [TestCase(PositionEncoding.Kerple, "kerple", 8)]
    [TestCase(PositionEncoding.Alibi, "alibi", 32)]
    [TestCase(PositionEncoding.Kerple, "kerple", 16)]
    public void DistanceBias_Bf16_MatchesFullMatrixReference(PositionEncoding encoding, string spec, int headDim)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        const int heads = 4, length = 600;
        var (q, k, v) = RandomQkv(heads, length, headDim, seed: 5);
        var architecture = TinyCheckpoint.Architecture(encoding) with { Heads = heads, KvHeads = heads, HeadDim = headDim };
        var r1 = tensor(new float[] { 0.5f, 1f, 2f, 4f });
        var r2 = tensor(new float[] { 4f, 1f, 0.25f, 0.05f });
        var positions = arange(length, dtype: ScalarType.Float32);
        var distance = positions.view(-1, 1) - positions.view(1, -1);                            // i - j
        var bias = encoding == PositionEncoding.Alibi
            ? -tensor(Enumerable.Range(1, heads).Select(h => Math.Pow(2, -8.0 * h / heads)).ToArray()).to(ScalarType.Float32).view(-1, 1, 1) * distance
            : -r1.view(-1, 1, 1) * (r2.view(-1, 1, 1) * distance.clamp_min(0)).log1p();          // (nH, T, T)
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headDim);
        var reference = (scores + bias).masked_fill(distance < 0, double.NegativeInfinity).softmax(-1).matmul(v);
        var plain = scores.masked_fill(distance < 0, double.NegativeInfinity).softmax(-1).matmul(v);

        var output = Bf16OneHeadPerBlock(StrategyRegistry.Create(spec), architecture, q, k, v, (r1, r2));

        double worst = (output - reference).abs().max().item<float>();
        double rms = (output - reference).square().mean().sqrt().item<float>();
        Assert.That(worst, Is.LessThan(0.03), $"max {worst:E2}, rms {rms:E2}");
        Assert.That(rms, Is.LessThan(3e-3), $"max {worst:E2}, rms {rms:E2}");
        Assert.That((plain - reference).abs().max().item<float>(), Is.GreaterThan(0.3));
    }

    [Test]
    public void Alibi_ManySmallRowBlocks_MatchesFullMatrixReference()
    {
        using var scope = NewDisposeScope();
        const int heads = 4, length = 45, headDim = 8;
        var (q, k, v) = RandomQkv(heads, length, headDim, seed: 5);
        var architecture = TinyCheckpoint.Architecture(PositionEncoding.Alibi) with { Heads = heads, KvHeads = heads };
        long budget = RowBlockAttention.ScoreBudget;
        RowBlockAttention.ScoreBudget = heads * length * 16;
        Tensor blockwise;
        try
        {
            using var plan = new PositionalAttention(StrategyRegistry.Create("alibi"), architecture, 0, length, length);
            blockwise = plan.Attend(q, k, v);
        }
        finally { RowBlockAttention.ScoreBudget = budget; }

        // Press et al.: scores + m_h * (j - i) for j <= i, slopes 2^(-8h/H).
        var slopes = tensor(Enumerable.Range(1, heads).Select(h => Math.Pow(2, -8.0 * h / heads)).ToArray()).to(ScalarType.Float32).view(-1, 1, 1);
        var positions = arange(length, dtype: ScalarType.Float32);
        var relative = positions.view(1, -1) - positions.view(-1, 1);                        // j - i
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headDim) + slopes * relative;
        var reference = scores.masked_fill(relative > 0, double.NegativeInfinity).softmax(-1).matmul(v);
        Assert.That(blockwise.allclose(reference, rtol: 1e-4, atol: 1e-5), Is.True);
    }

    [Test]
    public void Rotary_AllPositionsShiftedByAConstant_LeavesScoresUnchanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var q = randn(1, 2, 30, 64);
        var k = randn(1, 2, 30, 64);
        var inverse = tensor(RopeStrategy.InverseFrequencies(64, 10000)).to(ScalarType.Float32);
        Tensor Scores(float shift)
        {
            var (cos, sin) = Rotary.Tables(arange(30, dtype: ScalarType.Float32) + shift, inverse, 1.0);
            return Rotary.Apply(q, cos, sin).matmul(Rotary.Apply(k, cos, sin).transpose(-2, -1));
        }
        var reference = Scores(0);
        foreach (float shift in new[] { 1f, 37f, 1000f })
            Assert.That(Scores(shift).allclose(reference, rtol: 1e-3, atol: 2e-3), Is.True, $"shift {shift}");
    }

    [Test]
    public void Strategy_OfAnotherEncoding_IsRejectedNamingBoth()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(PositionEncoding.Alibi));
        var e = Assert.Throws<ArgumentException>(() => model.Hidden(zeros(1, 4, dtype: ScalarType.Int64), StrategyRegistry.Create("yarn:factor=2")));
        Assert.That(e!.Message, Does.Contain("yarn:factor=2").And.Contain("Alibi"));
    }

    [Test]
    public void Rotary_Apply_TurnsEachPairByPositionTimesFrequency()
    {
        // hd = 4: pairs (0, 2) and (1, 3) with frequencies 1 and 0.5; x = (1, 0, 0, 1) at position 2.
        var (cos, sin) = Rotary.Tables(tensor(new[] { 2f }), tensor(new[] { 1f, 0.5f }), 1.0);
        var rotated = Rotary.Apply(tensor(new[] { 1f, 0f, 0f, 1f }).view(1, 1, 1, 4), cos, sin).flatten().data<float>().ToArray();
        // pair (0, 2) = (1, 0) turned by 2 rad: (cos 2, sin 2); pair (1, 3) = (0, 1) turned by 1 rad: (-sin 1, cos 1).
        Assert.That(rotated, Is.EqualTo(new[] { Math.Cos(2), -Math.Sin(1), Math.Sin(2), Math.Cos(1) }.Select(v => (float)v)).Within(1e-6));
    }
}
