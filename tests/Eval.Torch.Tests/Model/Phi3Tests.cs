using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Model.Phi3;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// Issue #33: Phi-3 checkpoints load from their own layout (fused qkv_proj and gate_up_proj) and score as transformers'
/// Phi3ForCausalLM computes, LongRoPE included: a tiny random checkpoint with a Phi3Config config.json is scored through
/// the harness under the strategy its rope_scaling carries and compared per token with a float64 forward pass written
/// out here from the weights alone.
/// </summary>
public class Phi3Tests
{
    const int Hidden = 32, Heads = 4, KvHeads = 2, HeadDim = 8, Layers = 2, Intermediate = 48, Original = 32, MaxPositions = 128;

    static JsonObject Config(double partialRotary, JsonArray? shortFactor = null, JsonArray? longFactor = null, int? window = null)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Phi3ForCausalLM"),
            ["auto_map"] = new JsonObject { ["AutoConfig"] = "configuration_phi3.Phi3Config" },
            ["model_type"] = "phi3",
            ["vocab_size"] = FamilyCheckpoint.Vocab,
            ["hidden_size"] = Hidden,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["intermediate_size"] = Intermediate,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = 10000.0,
            ["partial_rotary_factor"] = partialRotary,
            ["max_position_embeddings"] = MaxPositions,
            ["original_max_position_embeddings"] = Original,
            ["sliding_window"] = window,
            ["tie_word_embeddings"] = false,
            ["attention_dropout"] = 0.0,
            ["resid_pdrop"] = 0.0,
            ["embd_pdrop"] = 0.0,
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["pad_token_id"] = 0,
            ["torch_dtype"] = "bfloat16",
        };
        if (shortFactor is not null) config["rope_scaling"] = new JsonObject { ["type"] = "longrope", ["short_factor"] = shortFactor, ["long_factor"] = longFactor };
        return config;
    }

    /// <summary>Phi3ForCausalLM's tensors, as transformers names and shapes them.</summary>
    static IEnumerable<(string, long[])> Shapes()
    {
        yield return ("model.embed_tokens.weight", [FamilyCheckpoint.Vocab, Hidden]);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"model.layers.{l}.";
            yield return (p + "input_layernorm.weight", [Hidden]);
            yield return (p + "post_attention_layernorm.weight", [Hidden]);
            yield return (p + "self_attn.qkv_proj.weight", [(Heads + 2 * KvHeads) * HeadDim, Hidden]);
            yield return (p + "self_attn.o_proj.weight", [Hidden, Heads * HeadDim]);
            yield return (p + "mlp.gate_up_proj.weight", [2 * Intermediate, Hidden]);
            yield return (p + "mlp.down_proj.weight", [Hidden, Intermediate]);
        }
        yield return ("model.norm.weight", [Hidden]);
        yield return ("lm_head.weight", [FamilyCheckpoint.Vocab, Hidden]);
    }

    /// <summary>
    /// Phi3ForCausalLM in float64 from its weights: per layer RMSNorm, qkv_proj split [nH hd | nKV hd | nKV hd], RoPE
    /// (rotate-half) on the first <paramref name="rotary"/> dimensions with theta^(-2i/rotary) / factor_i and cos, sin
    /// multiplied by <paramref name="scaling"/>, grouped-query causal attention (query i sees keys i - window &lt; j &lt;= i),
    /// o_proj, residual; RMSNorm, gate_up_proj chunked gate | up, down_proj(up * silu(gate)), residual; norm, lm_head.
    /// </summary>
    static double[] ReferenceNll(IReadOnlyDictionary<string, Tensor> weights, int[] tokens, int rotary, double[] factors, double scaling, int? window = null)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => weights[key].to(ScalarType.Float64);
        Tensor Norm(Tensor x, string key) => x * (x.pow(2).mean([-1L], keepdim: true) + 1e-5).rsqrt() * W(key);
        int t = tokens.Length, groups = Heads / KvHeads;
        var inverse = pow(10000.0, arange(0, rotary, 2, dtype: ScalarType.Float64) / -rotary) / tensor(factors, ScalarType.Float64);
        var angles = arange(t, dtype: ScalarType.Float64).unsqueeze(1) * inverse.unsqueeze(0);                     // (T, rotary/2)
        var (cos, sin) = (cat([angles.cos(), angles.cos()], -1) * scaling, cat([angles.sin(), angles.sin()], -1) * scaling);
        Tensor Rope(Tensor x)                                                                                        // (h, T, hd)
        {
            var turned = x[.., .., ..rotary];
            var rotatedHalf = cat([-turned[.., .., (rotary / 2)..], turned[.., .., ..(rotary / 2)]], -1);
            return cat([turned * cos + rotatedHalf * sin, x[.., .., rotary..]], -1);
        }
        var positions = arange(t, dtype: ScalarType.Float64);
        var hidden = positions.view(1, -1) > positions.view(-1, 1);                                                 // (T, T): the future
        if (window is int w) hidden = hidden | (positions.view(1, -1) <= positions.view(-1, 1) - w);               // beyond the window

        var h = W("model.embed_tokens.weight").index_select(0, tensor(tokens.Select(x => (long)x).ToArray()));        // (T, D)
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"model.layers.{layer}.";
            var qkv = Norm(h, p + "input_layernorm.weight").matmul(W(p + "self_attn.qkv_proj.weight").t());          // (T, (nH + 2 nKV) hd)
            int q0 = Heads * HeadDim, k1 = q0 + KvHeads * HeadDim;
            var q = Rope(qkv[.., ..q0].reshape(t, Heads, HeadDim).transpose(0, 1));
            var k = Rope(qkv[.., q0..k1].reshape(t, KvHeads, HeadDim).transpose(0, 1)).repeat_interleave(groups, dim: 0);
            var v = qkv[.., k1..].reshape(t, KvHeads, HeadDim).transpose(0, 1).repeat_interleave(groups, dim: 0);
            var scores = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(HeadDim)).masked_fill(hidden, double.NegativeInfinity);
            var attended = scores.softmax(-1).matmul(v).transpose(0, 1).reshape(t, Heads * HeadDim);
            h = h + attended.matmul(W(p + "self_attn.o_proj.weight").t());
            var gateUp = Norm(h, p + "post_attention_layernorm.weight").matmul(W(p + "mlp.gate_up_proj.weight").t()); // (T, 2 I)
            h = h + (gateUp[.., Intermediate..] * nn.functional.silu(gateUp[.., ..Intermediate])).matmul(W(p + "mlp.down_proj.weight").t());
        }
        return FamilyCheckpoint.Nll(Norm(h, "model.norm.weight").matmul(W("lm_head.weight").t()), tokens);
    }

    static double[] HarnessNllUnderCarried(string folder, int[] tokens)
    {
        var config = ModelConfigReader.Read(Path.Combine(folder, "config.json"));
        using var lm = TorchLanguageModel.Load(folder, ScalarType.Float32);
        lm.Strategy = StrategyRegistry.Create(config.CarriedStrategy!);
        return lm.Score([new ScoringWindow(tokens, 1)])[0].Nll.Select(x => (double)x).ToArray();
    }

    /// <summary>
    /// LongRoPE as transformers computes it for Phi-3: beyond original_max_position_embeddings the long factors, within it
    /// the short ones, and cos, sin scaled by sqrt(1 + ln s / ln L0) with s = max_position_embeddings / original (4 here), at any length.
    /// </summary>
    [TestCase(1.0, 40, TestName = "Phi-3: whole head rotated, 40 tokens past L0 = 32: long factors")]
    [TestCase(1.0, 24, TestName = "Phi-3: 24 tokens within L0: short factors, the same attention scaling")]
    [TestCase(0.5, 40, TestName = "Phi-4-mini-like partial rotary (half of each head), long factors")]
    public void Score_TinyPhi3CheckpointUnderItsLongRope_MatchesTheFloat64Reference(double partialRotary, int length)
    {
        int rotary = (int)(HeadDim * partialRotary);
        double[] shortFactor = Enumerable.Range(0, rotary / 2).Select(i => 1.0 + 0.25 * i).ToArray();
        double[] longFactor = Enumerable.Range(0, rotary / 2).Select(i => 1.5 + 3.0 * i).ToArray();
        var weights = FamilyCheckpoint.RandomWeights(Shapes(), seed: 51);
        string folder = FamilyCheckpoint.Write(Config(partialRotary, new JsonArray(shortFactor.Select(x => (JsonNode)x).ToArray()),
            new JsonArray(longFactor.Select(x => (JsonNode)x).ToArray())), weights);
        int[] tokens = FamilyCheckpoint.Tokens(length, 9);
        double scaling = Math.Sqrt(1 + Math.Log(MaxPositions / (double)Original) / Math.Log(Original));

        var harness = HarnessNllUnderCarried(folder, tokens);
        var factors = length > Original ? longFactor : shortFactor;
        double difference = FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, rotary, factors, scaling));
        TestContext.Progress.WriteLine($"phi3 partial_rotary_factor={partialRotary} length={length}: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, rotary, length > Original ? shortFactor : longFactor, scaling)), Is.GreaterThan(1e-3),
            "the other factor list is another model");
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, rotary, factors, 1.0)), Is.GreaterThan(1e-3), "so is no attention scaling");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Phi-3's sliding_window applies to every layer (Phi-3-mini-4k ships 2047): query i sees keys i - W &lt; j &lt;= i.</summary>
    [Test]
    public void Score_WithASlidingWindow_WindowsEveryLayer()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(), seed: 52);
        string folder = FamilyCheckpoint.Write(Config(1.0, window: 6), weights);
        int[] tokens = FamilyCheckpoint.Tokens(30, 10);
        double[] ones = Enumerable.Repeat(1.0, HeadDim / 2).ToArray();

        var harness = FamilyCheckpoint.HarnessNll(folder, tokens);
        double difference = FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, HeadDim, ones, 1.0, window: 6));
        TestContext.Progress.WriteLine($"phi3 sliding_window=6: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, HeadDim, ones, 1.0)), Is.GreaterThan(1e-3), "full attention is another model");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>KV-cached greedy generation under LongRoPE gives the tokens of recomputing the whole sequence at every step.</summary>
    [Test]
    public void GenerateGreedy_WithTheKvCache_EqualsRecomputingEveryStep()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(), seed: 53);
        string folder = FamilyCheckpoint.Write(Config(1.0, new JsonArray(1.0, 1.0, 2.0, 4.0), new JsonArray(2.0, 3.0, 8.0, 16.0)), weights);
        var carried = StrategyRegistry.Create(ModelConfigReader.Read(Path.Combine(folder, "config.json")).CarriedStrategy!);
        int[] prompt = FamilyCheckpoint.Tokens(30, 11);
        using var lm = TorchLanguageModel.Load(folder, ScalarType.Float32);
        lm.Strategy = carried;
        var cached = lm.GenerateGreedy(prompt, 8);

        var tokens = prompt.ToList();
        using (no_grad())
            for (int step = 0; step < cached.Count; step++)
            {
                using var stepScope = NewDisposeScope();
                var ids = tensor(tokens.Select(x => (long)x).ToArray(), [1, tokens.Count]);
                tokens.Add((int)lm.Model.Logits(lm.Model.Hidden(ids, carried, frequencyLength: prompt.Length + 8)[.., -1]).argmax(-1).item<long>());
            }
        Assert.That(cached, Is.EqualTo(tokens.Skip(prompt.Length).ToList()));
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void ModelCost_CountsEveryParameterBuilt_AndCarriesTheFactorTransformersDerives()
    {
        var config = ModelConfigReader.Parse("m/config.json", JsonNode.Parse(Config(0.5, new JsonArray(1.0, 2.0), new JsonArray(3.0, 4.0)).ToJsonString())!.AsObject());
        Assert.That(config.CarriedStrategy!.ToString(), Does.StartWith("longrope:").And.Contain("factor=4"));
        using var model = (Phi3ForCausalLM)new Phi3Family().Build(config, null);
        Assert.That(new ModelCost(config, 4).TotalParameters, Is.EqualTo(model.ParameterCount()), "the one parameter formula, against the module as built");
        Assert.That(model.Shape.Geometry, Is.EqualTo(new RopeGeometry(4, 10000, Original)));
    }
}
