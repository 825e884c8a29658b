using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Model.GptNeoX;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// Issue #33: GPT-NeoX (Pythia) checkpoints load from their own layout and score as transformers' GPTNeoXForCausalLM
/// computes. A tiny random checkpoint, written under transformers' tensor names with a GPTNeoXConfig config.json, is
/// scored through the harness and compared per token with a float64 forward pass written out here from the weights alone.
/// </summary>
public class GptNeoXTests
{
    const int Hidden = 32, Heads = 2, HeadDim = 16, Layers = 2, Intermediate = 64, Length = 40;

    static JsonObject Config(bool parallel, double rotaryPct, string act = "gelu", bool bias = true, bool tied = false) => new()
    {
        ["architectures"] = new JsonArray("GPTNeoXForCausalLM"),
        ["model_type"] = "gpt_neox",
        ["vocab_size"] = FamilyCheckpoint.Vocab,
        ["hidden_size"] = Hidden,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["intermediate_size"] = Intermediate,
        ["hidden_act"] = act,
        ["rotary_pct"] = rotaryPct,
        ["rotary_emb_base"] = 10000,
        ["max_position_embeddings"] = 64,
        ["layer_norm_eps"] = 1e-5,
        ["use_parallel_residual"] = parallel,
        ["attention_bias"] = bias,
        ["tie_word_embeddings"] = tied,
        ["initializer_range"] = 0.02,
        ["attention_dropout"] = 0.0,
        ["hidden_dropout"] = 0.0,
        ["classifier_dropout"] = 0.1,
        ["bos_token_id"] = 1,
        ["eos_token_id"] = 2,
        ["torch_dtype"] = "float32",
        ["use_cache"] = true,
        ["transformers_version"] = "4.46.0",
    };

    /// <summary>GPTNeoXForCausalLM's tensors, as transformers names and shapes them (nn.Linear weights are [out, in]).</summary>
    static IEnumerable<(string, long[])> Shapes(bool bias, bool tied)
    {
        yield return ("gpt_neox.embed_in.weight", [FamilyCheckpoint.Vocab, Hidden]);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"gpt_neox.layers.{l}.";
            foreach (string norm in new[] { "input_layernorm", "post_attention_layernorm" })
            {
                yield return (p + norm + ".weight", [Hidden]);
                yield return (p + norm + ".bias", [Hidden]);
            }
            yield return (p + "attention.query_key_value.weight", [3 * Hidden, Hidden]);
            if (bias) yield return (p + "attention.query_key_value.bias", [3 * Hidden]);
            yield return (p + "attention.dense.weight", [Hidden, Hidden]);
            if (bias) yield return (p + "attention.dense.bias", [Hidden]);
            yield return (p + "mlp.dense_h_to_4h.weight", [Intermediate, Hidden]);
            yield return (p + "mlp.dense_h_to_4h.bias", [Intermediate]);
            yield return (p + "mlp.dense_4h_to_h.weight", [Hidden, Intermediate]);
            yield return (p + "mlp.dense_4h_to_h.bias", [Hidden]);
        }
        yield return ("gpt_neox.final_layer_norm.weight", [Hidden]);
        yield return ("gpt_neox.final_layer_norm.bias", [Hidden]);
        if (!tied) yield return ("embed_out.weight", [FamilyCheckpoint.Vocab, Hidden]);
    }

    /// <summary>
    /// GPTNeoXForCausalLM in float64 from its weights: embed_in; per layer LayerNorm, query_key_value viewed as
    /// (T, heads, 3 hd) and split per head into q | k | v, RoPE (rotate-half) on the first <paramref name="rotary"/>
    /// dimensions of q and k with <paramref name="inverse"/> frequencies (default theta^(-2i/rotary)), causal attention
    /// / sqrt(hd), dense; parallel x + attn(ln1 x) + mlp(ln2 x) or sequential; final LayerNorm; embed_out (or embed_in when tied).
    /// </summary>
    static double[] ReferenceNll(IReadOnlyDictionary<string, Tensor> weights, int[] tokens, bool parallel, int rotary, string act, double[]? inverse = null)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => weights[key].to(ScalarType.Float64);
        Tensor Linear(Tensor x, string key) => weights.ContainsKey(key + ".bias") ? x.matmul(W(key + ".weight").t()) + W(key + ".bias") : x.matmul(W(key + ".weight").t());
        Tensor Norm(Tensor x, string key) => FamilyCheckpoint.LayerNorm(x, W(key + ".weight"), W(key + ".bias"), 1e-5);
        int t = tokens.Length;
        var inv = inverse is null ? pow(10000.0, arange(0, rotary, 2, dtype: ScalarType.Float64) / -rotary) : tensor(inverse, ScalarType.Float64);
        var angles = arange(t, dtype: ScalarType.Float64).unsqueeze(1) * inv.unsqueeze(0);                    // (T, rotary/2)
        var (cos, sin) = (cat([angles.cos(), angles.cos()], -1), cat([angles.sin(), angles.sin()], -1));        // (T, rotary)
        Tensor Rope(Tensor x)                                                                                   // (h, T, hd)
        {
            var turned = x[.., .., ..rotary];
            var half = rotary / 2;
            var rotatedHalf = cat([-turned[.., .., half..], turned[.., .., ..half]], -1);
            return cat([turned * cos + rotatedHalf * sin, x[.., .., rotary..]], -1);
        }
        Tensor Mlp(Tensor x, string p) => Linear(FamilyCheckpoint.Activation(act, Linear(x, p + "mlp.dense_h_to_4h")), p + "mlp.dense_4h_to_h");

        var h = W("gpt_neox.embed_in.weight").index_select(0, tensor(tokens.Select(x => (long)x).ToArray()));  // (T, D)
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"gpt_neox.layers.{layer}.";
            var qkv = Linear(Norm(h, p + "input_layernorm"), p + "attention.query_key_value").view(t, Heads, 3 * HeadDim).transpose(0, 1); // (h, T, 3 hd)
            var q = Rope(qkv[.., .., ..HeadDim]);
            var k = Rope(qkv[.., .., HeadDim..(2 * HeadDim)]);
            var v = qkv[.., .., (2 * HeadDim)..];
            var attended = Linear(FamilyCheckpoint.CausalAttention(q, k, v), p + "attention.dense");          // (T, D)
            if (parallel) h = h + attended + Mlp(Norm(h, p + "post_attention_layernorm"), p);
            else
            {
                h = h + attended;
                h = h + Mlp(Norm(h, p + "post_attention_layernorm"), p);
            }
        }
        var final = Norm(h, "gpt_neox.final_layer_norm");
        var head = weights.ContainsKey("embed_out.weight") ? W("embed_out.weight") : W("gpt_neox.embed_in.weight");
        return FamilyCheckpoint.Nll(final.matmul(head.t()), tokens);
    }

    [TestCase(true, 0.25, "gelu", true, false, TestName = "Pythia layout: parallel residual, a quarter of each head rotated, gelu")]
    [TestCase(false, 0.5, "gelu_new", false, false, TestName = "Sequential residual, half rotated, gelu_new, no attention bias")]
    [TestCase(true, 1.0, "gelu", true, true, TestName = "Whole head rotated, embed_out tied to embed_in")]
    public void Score_TinyGptNeoXCheckpoint_MatchesTheFloat64Reference(bool parallel, double rotaryPct, string act, bool bias, bool tied)
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(bias, tied), seed: 31);
        string folder = FamilyCheckpoint.Write(Config(parallel, rotaryPct, act, bias, tied), weights);
        int[] tokens = FamilyCheckpoint.Tokens(Length, 5);
        int rotary = (int)(HeadDim * rotaryPct);

        var harness = FamilyCheckpoint.HarnessNll(folder, tokens);
        var reference = ReferenceNll(weights, tokens, parallel, rotary, act);
        double difference = FamilyCheckpoint.MaxDifference(harness, reference);
        TestContext.Progress.WriteLine($"gpt_neox parallel={parallel} rotary_pct={rotaryPct} {act} bias={bias} tied={tied}: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        // The layout matters: the other residual, or the whole head rotated, is a different model.
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, !parallel, rotary, act)), Is.GreaterThan(1e-3));
        if (rotary < HeadDim) Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, parallel, HeadDim, act)), Is.GreaterThan(1e-3));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>A strategy that changes RoPE frequencies acts on the rotated dimensions: linear (PI) divides their rotary_ndims / 2 frequencies.</summary>
    [Test]
    public void Score_WithLinearInterpolation_DividesTheFrequenciesOfTheRotatedDimensions()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(true, false), seed: 32);
        string folder = FamilyCheckpoint.Write(Config(true, 0.5), weights);
        int[] tokens = FamilyCheckpoint.Tokens(Length, 6);
        const int rotary = 8;
        double[] divided = Enumerable.Range(0, rotary / 2).Select(i => Math.Pow(10000.0, -2.0 * i / rotary) / 4).ToArray();

        var harness = FamilyCheckpoint.HarnessNll(folder, tokens, "linear:factor=4");
        double difference = FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, true, rotary, "gelu", divided));
        TestContext.Progress.WriteLine($"gpt_neox linear:factor=4: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, true, rotary, "gelu")), Is.GreaterThan(1e-3));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>KV-cached greedy generation gives the tokens of recomputing the whole sequence at every step.</summary>
    [Test]
    public void GenerateGreedy_WithTheKvCache_EqualsRecomputingEveryStep()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(true, false), seed: 33);
        string folder = FamilyCheckpoint.Write(Config(true, 0.25), weights);
        int[] prompt = FamilyCheckpoint.Tokens(12, 7);
        using var lm = TorchLanguageModel.Load(folder, ScalarType.Float32);
        var cached = lm.GenerateGreedy(prompt, 8);

        var tokens = prompt.ToList();
        using (no_grad())
            for (int step = 0; step < cached.Count; step++)
            {
                using var stepScope = NewDisposeScope();
                var ids = tensor(tokens.Select(x => (long)x).ToArray(), [1, tokens.Count]);
                tokens.Add((int)lm.Model.Logits(lm.Model.Hidden(ids, lm.Strategy, frequencyLength: prompt.Length + 8)[.., -1]).argmax(-1).item<long>());
            }
        Assert.That(cached, Is.EqualTo(tokens.Skip(prompt.Length).ToList()));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Buffers older GPT-NeoX exports saved (causal mask, masked_bias, rotary inv_freq) are dropped on load, as transformers does.</summary>
    [Test]
    public void Load_OldExportBuffersInTheFile_AreIgnoredAsTransformersDoes()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(true, false), seed: 34);
        var withBuffers = new Dictionary<string, Tensor>(weights);
        for (int l = 0; l < Layers; l++)
        {
            withBuffers[$"gpt_neox.layers.{l}.attention.bias"] = ones(1, 1, 64, 64);
            withBuffers[$"gpt_neox.layers.{l}.attention.masked_bias"] = tensor(-1e9f);
            withBuffers[$"gpt_neox.layers.{l}.attention.rotary_emb.inv_freq"] = ones(2);
        }
        string folder = FamilyCheckpoint.Write(Config(true, 0.25), withBuffers);
        int[] tokens = FamilyCheckpoint.Tokens(16, 8);
        Assert.That(FamilyCheckpoint.MaxDifference(FamilyCheckpoint.HarnessNll(folder, tokens), ReferenceNll(weights, tokens, true, 4, "gelu")), Is.LessThan(1e-5));
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void Load_ATensorUnderALlamaName_IsRefusedNamingIt()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(true, false), seed: 35);
        weights["model.layers.0.self_attn.q_proj.weight"] = weights["gpt_neox.layers.0.attention.dense.weight"];
        weights.Remove("gpt_neox.layers.0.attention.dense.weight");
        string folder = FamilyCheckpoint.Write(Config(true, 0.25), weights);
        var e = Assert.Throws<CheckpointException>(() => TorchLanguageModel.Load(folder, ScalarType.Float32))!;
        Assert.That(e.Message, Does.Contain("missing tensor \"gpt_neox.layers.0.attention.dense.weight\"").And.Contain("unexpected tensor \"model.layers.0.self_attn.q_proj.weight\""));
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void ModelCost_CountsEveryParameterBuiltAndTurnsTheRotatedDimensions()
    {
        var config = ModelConfigReader.Parse("m/config.json", JsonNode.Parse(Config(true, 0.25).ToJsonString())!.AsObject());
        using var model = (GptNeoXForCausalLM)new GptNeoXFamily().Build(config, null);
        Assert.That(new ModelCost(config, 4).TotalParameters, Is.EqualTo(model.ParameterCount()), "the one parameter formula, against the module as built");
        Assert.That(model.Shape.Geometry, Is.EqualTo(new RopeGeometry(4, 10000, 64)));
    }
}
