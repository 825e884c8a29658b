using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// Issue #33: a checkpoint's sliding window is honoured on every attention path. The model-level tests score a tiny
/// random Mistral (and Qwen2) checkpoint through the harness and compare each token's log-probability with a forward
/// pass written out here in float64 from the weights alone (no runtime class), where query i sees keys
/// i - W &lt; j &lt;= i (transformers' masking_utils.sliding_window_overlay: kv_idx &gt; q_idx - sliding_window).
/// </summary>
public class SlidingWindowTests
{
    const int Length = 40;

    static int[] Tokens(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(3, 4096)).ToArray();
    }

    /// <summary>
    /// The decoder in float64 from its weights: embeddings, per layer RMSNorm, q/k/v (with biases when present), RoPE in
    /// the rotate-half layout, grouped-query attention under a causal mask and layer <c>l</c>'s window
    /// <paramref name="windows"/>[l] (null: none), o_proj, residual, RMSNorm, SwiGLU, residual; final norm, lm_head.
    /// Returns -log p(token t | tokens before t) for t = 1 .. T-1.
    /// </summary>
    static double[] ReferenceNll(IReadOnlyDictionary<string, Tensor> weights, LlamaArchitecture a, int[] tokens, int?[] windows)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => weights[key].to(ScalarType.Float64);
        Tensor Norm(Tensor x, string key) => x * (x.pow(2).mean([-1L], keepdim: true) + a.RmsNormEps).rsqrt() * W(key);
        Tensor Linear(Tensor x, string key) => weights.ContainsKey(key + ".bias") ? x.matmul(W(key + ".weight").t()) + W(key + ".bias") : x.matmul(W(key + ".weight").t());
        int t = tokens.Length, hd = a.HeadDim, groups = a.Heads / a.KvHeads;
        var positions = arange(t, dtype: ScalarType.Float64);
        var inverse = pow(a.RopeTheta, arange(0, hd, 2, dtype: ScalarType.Float64) / -hd);       // theta^(-2i/d)
        var angles = positions.unsqueeze(1) * inverse.unsqueeze(0);                                 // (T, d/2)
        var (cos, sin) = (cat([angles.cos(), angles.cos()], -1), cat([angles.sin(), angles.sin()], -1)); // (T, d)
        Tensor Rope(Tensor x) => x * cos + cat([-x[.., .., (hd / 2)..], x[.., .., ..(hd / 2)]], -1) * sin; // (h, T, d)
        var i = positions.view(-1, 1);
        var j = positions.view(1, -1);

        var h = W("model.embed_tokens.weight").index_select(0, tensor(tokens.Select(x => (long)x).ToArray()));   // (T, D)
        for (int layer = 0; layer < a.Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            var x = Norm(h, p + "input_layernorm.weight");
            var q = Rope(Linear(x, p + "self_attn.q_proj").view(t, a.Heads, hd).transpose(0, 1));          // (nH, T, d)
            var k = Rope(Linear(x, p + "self_attn.k_proj").view(t, a.KvHeads, hd).transpose(0, 1));        // (nKV, T, d)
            var v = Linear(x, p + "self_attn.v_proj").view(t, a.KvHeads, hd).transpose(0, 1);
            k = k.repeat_interleave(groups, dim: 0);                                                          // query head h reads kv head h / groups
            v = v.repeat_interleave(groups, dim: 0);
            var hidden = j > i;                                                                               // the future
            if (windows[layer] is int w) hidden = hidden | (j <= i - w);                                     // beyond the window
            var scores = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(hd)).masked_fill(hidden, double.NegativeInfinity);
            var attended = scores.softmax(-1).matmul(v).transpose(0, 1).reshape(t, a.Heads * hd);
            h = h + attended.matmul(W(p + "self_attn.o_proj.weight").t());
            x = Norm(h, p + "post_attention_layernorm.weight");
            h = h + (nn.functional.silu(x.matmul(W(p + "mlp.gate_proj.weight").t())) * x.matmul(W(p + "mlp.up_proj.weight").t()))
                .matmul(W(p + "mlp.down_proj.weight").t());
        }
        var logProbs = Norm(h, "model.norm.weight").matmul(W("lm_head.weight").t()).log_softmax(-1);           // (T, V)
        return Enumerable.Range(1, t - 1).Select(n => -logProbs[n - 1, tokens[n]].item<double>()).ToArray();
    }

    static Dictionary<string, Tensor> Weights(LlamaForCausalLM model) =>
        model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());

    /// <summary>The harness's per-token NLL for one window scored from position 1, the checkpoint loaded from its folder.</summary>
    static double[] HarnessNll(string folder, int[] tokens)
    {
        using var lm = TorchLanguageModel.Load(folder, ScalarType.Float32);
        return lm.Score([new ScoringWindow(tokens, 1)])[0].Nll.Select(x => (double)x).ToArray();
    }

    static double MaxDifference(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [TestCase(5, false)]
    [TestCase(5, true)]
    [TestCase(1, false)]
    public void Score_TinyMistralCheckpoint_MatchesTheFloat64ReferenceWithItsWindow(int window, bool smallBlocks)
    {
        var architecture = TinyCheckpoint.Architecture(trainedLength: 64) with { SlidingWindow = window };
        string folder = TinyCheckpoint.TempDirectory();
        using var model = TinyCheckpoint.RandomModel(architecture, seed: 21);
        TinyCheckpoint.Write(model, folder);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.That((config["model_type"]!.GetValue<string>(), config["sliding_window"]!.GetValue<int>()), Is.EqualTo(("mistral", window)));
        var weights = Weights(model);
        int[] tokens = Tokens(Length, 8);

        long budget = RowBlockAttention.ScoreBudget;
        if (smallBlocks) RowBlockAttention.ScoreBudget = 4 * 16 * (window + 255L);   // 16-row blocks: windows cross block edges
        double[] harness;
        try { harness = HarnessNll(folder, tokens); }
        finally { RowBlockAttention.ScoreBudget = budget; }

        var windowed = ReferenceNll(weights, architecture, tokens, [window, window]);
        var full = ReferenceNll(weights, architecture, tokens, [null, null]);
        Assert.That(MaxDifference(harness, windowed), Is.LessThan(1e-5), "the harness against the windowed reference");
        Assert.That(MaxDifference(harness, full), Is.GreaterThan(1e-3), "the window must change the result (full attention is not it)");
        Assert.That(harness.Take(window - 1), Is.EqualTo(full.Take(window - 1)).Within(1e-5), "tokens inside the window see everything either way");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Qwen2: the window only on layers from max_window_layers on, and only with use_sliding_window true.</summary>
    [Test]
    public void Score_TinyQwen2Checkpoint_WindowsOnlyTheLayersFromMaxWindowLayers_AndNoneWithoutUseSlidingWindow()
    {
        var architecture = TinyCheckpoint.Architecture(trainedLength: 64, bias: true) with { SlidingWindow = 4, FirstWindowLayer = 1 };
        string folder = TinyCheckpoint.TempDirectory();
        using var model = TinyCheckpoint.RandomModel(architecture, seed: 22);
        TinyCheckpoint.Write(model, folder);
        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        Assert.That((config["model_type"]!.GetValue<string>(), config["use_sliding_window"]!.GetValue<bool>(), config["max_window_layers"]!.GetValue<int>()),
            Is.EqualTo(("qwen2", true, 1)));
        var weights = Weights(model);
        int[] tokens = Tokens(Length, 9);

        var harness = HarnessNll(folder, tokens);
        Assert.That(MaxDifference(harness, ReferenceNll(weights, architecture, tokens, [null, 4])), Is.LessThan(1e-5), "window on layer 1 only");
        Assert.That(MaxDifference(harness, ReferenceNll(weights, architecture, tokens, [4, 4])), Is.GreaterThan(1e-3), "not on layer 0");
        var full = ReferenceNll(weights, architecture, tokens, [null, null]);
        Assert.That(MaxDifference(harness, full), Is.GreaterThan(1e-3));

        config["use_sliding_window"] = false;
        File.WriteAllText(configPath, config.ToJsonString());
        Assert.That(MaxDifference(HarnessNll(folder, tokens), full), Is.LessThan(1e-5), "use_sliding_window false: full attention, as transformers");
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void Score_WindowAtLeastTheWindowLength_EqualsFullAttention()
    {
        using var windowed = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture() with { SlidingWindow = Length }, seed: 23);
        using var plain = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(), seed: 23);
        var ids = tensor(Tokens(Length, 3).Select(x => (long)x).ToArray(), [1, Length]);
        using var noGrad = no_grad();
        var strategy = StrategyRegistry.Create("default");
        Assert.That(windowed.Hidden(ids, strategy).allclose(plain.Hidden(ids, strategy), rtol: 0, atol: 0), Is.True);
    }

    /// <summary>Attention alone, against the full-matrix formula: queries after a cache (offset &gt; 0), blocks crossing the band, ALiBi.</summary>
    [TestCase(PositionEncoding.Rope, 0, 7)]
    [TestCase(PositionEncoding.Rope, 12, 7)]
    [TestCase(PositionEncoding.Rope, 12, 1)]
    [TestCase(PositionEncoding.NoPE, 5, 9)]
    [TestCase(PositionEncoding.Alibi, 0, 7)]
    [TestCase(PositionEncoding.Alibi, 12, 20)]
    public void Attend_WithAWindow_MatchesTheFullMatrixFormula(PositionEncoding encoding, int offset, int window)
    {
        using var scope = NewDisposeScope();
        const int heads = 4, count = 38, headDim = 8;
        int keys = offset + count;
        manual_seed(13);
        var q = randn(1, heads, count, headDim);
        var k = randn(1, heads, keys, headDim);
        var v = randn(1, heads, keys, headDim);
        var architecture = TinyCheckpoint.Architecture(encoding) with { Heads = heads, KvHeads = heads, SlidingWindow = window };
        var strategy = architecture.NativeStrategy();
        long budget = RowBlockAttention.ScoreBudget;
        RowBlockAttention.ScoreBudget = heads * 16 * (window + 255L);
        Tensor blockwise;
        try
        {
            using var plan = new PositionalAttention(strategy, architecture, offset, count, keys);
            blockwise = plan.Attend(q, k, v);
        }
        finally { RowBlockAttention.ScoreBudget = budget; }

        var i = arange(offset, keys, dtype: ScalarType.Float32).view(-1, 1);
        var j = arange(0, keys, dtype: ScalarType.Float32).view(1, -1);
        Tensor Rotated(Tensor x, Tensor at)
        {
            if (encoding != PositionEncoding.Rope) return x;
            var inverse = tensor(RopeStrategy.InverseFrequencies(headDim, 10000)).to(ScalarType.Float64);
            var angle = at.to(ScalarType.Float64).view(-1, 1) * inverse.view(1, -1);
            var (c, s) = (angle.cos().to(x.dtype), angle.sin().to(x.dtype));
            var (a, b) = (x[TensorIndex.Ellipsis, TensorIndex.Slice(0, headDim / 2)], x[TensorIndex.Ellipsis, TensorIndex.Slice(headDim / 2, null)]);
            return cat([a * c - b * s, b * c + a * s], dim: -1);
        }
        var scores = Rotated(q, i.flatten()).matmul(Rotated(k, j.flatten()).transpose(-2, -1)) / Math.Sqrt(headDim);
        if (encoding == PositionEncoding.Alibi)
            scores = scores - tensor(AlibiSlopes.For(heads)).to(ScalarType.Float32).view(-1, 1, 1) * (i - j);
        var reference = scores.masked_fill((j > i) | (j <= i - window), double.NegativeInfinity).softmax(-1).matmul(v);
        Assert.That(blockwise.allclose(reference, rtol: 1e-4, atol: 1e-5), Is.True, $"max difference {(blockwise - reference).abs().max().item<float>()}");
    }

    static TorchLanguageModel Wrap(LlamaForCausalLM model) =>
        new(model, ModelTokenizer.Load(Path.GetDirectoryName(RepositoryPaths.Require("suites/zoo/tokenizer.model"))!));

    [TestCase("default")]
    [TestCase("rerope:window=4")]
    [TestCase("self-extend:group_size=2,window=4")]
    public void GenerateGreedy_WithKvCacheUnderAWindow_EqualsFullForwardArgmaxAtEveryStep(string spec)
    {
        var strategy = StrategyRegistry.Create(spec);
        using var lm = Wrap(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 16) with { SlidingWindow = 6 }, seed: 24));
        lm.Strategy = strategy;
        int[] prompt = Tokens(30, 4);
        var cached = lm.GenerateGreedy(prompt, 8);
        var tokens = prompt.ToList();
        for (int step = 0; step < 8; step++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var hidden = lm.Model.Hidden(tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Count]), strategy, frequencyLength: prompt.Length + 8);
            tokens.Add((int)lm.Model.Logits(hidden[.., -1]).argmax(-1).item<long>());
        }
        Assert.That(cached, Is.EqualTo(tokens.Skip(prompt.Length)));
    }

    [Test]
    public void Sinks_OnAWindowThatHidesKeys_AreRefusedNamingTheField_AndRunWhereTheWindowCoversTheLength()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture() with { SlidingWindow = 8 });
        var sinks = StrategyRegistry.Create("sinks:start=2,window=4");
        using var noGrad = no_grad();
        var e = Assert.Throws<NotApplicableException>(() => model.Hidden(zeros(1, 9, dtype: ScalarType.Int64), sinks))!;
        Assert.That(e.Message, Does.Contain("sinks:start=2,window=4").And.Contain("sliding_window is 8"));
        Assert.That(model.Hidden(zeros(1, 8, dtype: ScalarType.Int64), sinks).shape, Is.EqualTo(new long[] { 1, 8, 32 }));
    }

    [Test]
    public void ShiftedSparseAttention_OnAWindowThatHidesKeys_IsRefusedNamingTheField()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture() with { SlidingWindow = 8 });
        var e = Assert.Throws<NotApplicableException>(() => model.Hidden(zeros(1, 16, dtype: ScalarType.Int64), StrategyRegistry.Create("default"),
            training: new ShiftedSparseAttention(8, S2Shift.Segments)))!;
        Assert.That(e.Message, Does.Contain("S2-Attn").And.Contain("sliding_window is 8"));
    }
}
