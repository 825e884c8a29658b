using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Model.Bloom;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// Issue #33: BLOOM checkpoints load from their own layout and score as transformers' BloomForCausalLM computes. A tiny
/// random checkpoint, written under transformers' tensor names with a BloomConfig config.json, is scored through the
/// harness and compared per token with a float64 forward pass written out here from the weights alone, with BLOOM's own
/// ALiBi (slope_h x key position added to the scores, slopes as build_alibi_tensor makes them).
/// </summary>
public class BloomTests
{
    const int Layers = 2, Length = 40;

    /// <summary>A BloomConfig config.json as BigScience's exports write it: old names (n_embed, num_attention_heads) and Megatron keys.</summary>
    static JsonObject Config(int hidden, int heads, bool postLn = false, bool tied = true) => new()
    {
        ["architectures"] = new JsonArray("BloomForCausalLM"),
        ["model_type"] = "bloom",
        ["vocab_size"] = FamilyCheckpoint.Vocab,
        ["n_embed"] = hidden,
        ["n_layer"] = Layers,
        ["num_attention_heads"] = heads,
        ["n_inner"] = null,
        ["layer_norm_epsilon"] = 1e-5,
        ["apply_residual_connection_post_layernorm"] = postLn,
        ["tie_word_embeddings"] = tied,
        ["attention_dropout"] = 0.0,
        ["hidden_dropout"] = 0.0,
        ["attention_softmax_in_fp32"] = true,
        ["bias_dropout_fusion"] = true,
        ["masked_softmax_fusion"] = true,
        ["offset_alibi"] = 100,
        ["skip_bias_add"] = true,
        ["skip_bias_add_qkv"] = false,
        ["pretraining_tp"] = 1,
        ["slow_but_exact"] = false,
        ["initializer_range"] = 0.02,
        ["bos_token_id"] = 1,
        ["eos_token_id"] = 2,
        ["pad_token_id"] = 3,
        ["unk_token_id"] = 0,
        ["use_cache"] = true,
        ["transformers_version"] = "4.26.0",
    };

    /// <summary>
    /// BloomForCausalLM's tensors as transformers names and shapes them (nn.Linear weights [out, in]); without
    /// <paramref name="prefixed"/> as saved from the bare BloomModel (bigscience's files); lm_head only when untied.
    /// </summary>
    static IEnumerable<(string, long[])> Shapes(int hidden, bool tied, bool prefixed)
    {
        string m = prefixed ? "transformer." : "";
        yield return (m + "word_embeddings.weight", [FamilyCheckpoint.Vocab, hidden]);
        yield return (m + "word_embeddings_layernorm.weight", [hidden]);
        yield return (m + "word_embeddings_layernorm.bias", [hidden]);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"{m}h.{l}.";
            foreach (string norm in new[] { "input_layernorm", "post_attention_layernorm" })
            {
                yield return (p + norm + ".weight", [hidden]);
                yield return (p + norm + ".bias", [hidden]);
            }
            yield return (p + "self_attention.query_key_value.weight", [3 * hidden, hidden]);
            yield return (p + "self_attention.query_key_value.bias", [3 * hidden]);
            yield return (p + "self_attention.dense.weight", [hidden, hidden]);
            yield return (p + "self_attention.dense.bias", [hidden]);
            yield return (p + "mlp.dense_h_to_4h.weight", [4 * hidden, hidden]);
            yield return (p + "mlp.dense_h_to_4h.bias", [4 * hidden]);
            yield return (p + "mlp.dense_4h_to_h.weight", [hidden, 4 * hidden]);
            yield return (p + "mlp.dense_4h_to_h.bias", [hidden]);
        }
        yield return (m + "ln_f.weight", [hidden]);
        yield return (m + "ln_f.bias", [hidden]);
        if (!tied) yield return ("lm_head.weight", [FamilyCheckpoint.Vocab, hidden]);
    }

    /// <summary>What the reference may be told to get wrong, to show each part of the layout matters.</summary>
    sealed record Variant(bool PostLn, bool Alibi = true, bool PerHeadQkv = true);

    /// <summary>
    /// BloomForCausalLM in float64 from its weights: word_embeddings, word_embeddings_layernorm; per block LayerNorm,
    /// query_key_value viewed as (T, heads, 3, hd) (or, wrongly, (T, 3, heads, hd)), scores q k / sqrt(hd) + slope_h x j
    /// with build_alibi_tensor's slopes, causal mask, softmax, dense, plus the residual (the raw input, or with
    /// apply_residual_connection_post_layernorm the layernormed one); LayerNorm, dense_h_to_4h, tanh gelu,
    /// dense_4h_to_h, plus the residual; ln_f; logits against word_embeddings (tied) or lm_head.
    /// </summary>
    static double[] ReferenceNll(IReadOnlyDictionary<string, Tensor> weights, int[] tokens, int heads, Variant variant)
    {
        using var scope = NewDisposeScope();
        string m = weights.ContainsKey("transformer.word_embeddings.weight") ? "transformer." : "";
        Tensor W(string key) => weights[key].to(ScalarType.Float64);
        Tensor Linear(Tensor x, string key) => x.matmul(W(key + ".weight").t()) + W(key + ".bias");
        Tensor Norm(Tensor x, string key) => FamilyCheckpoint.LayerNorm(x, W(key + ".weight"), W(key + ".bias"), 1e-5);
        int t = tokens.Length;
        long hidden = weights[m + "word_embeddings.weight"].shape[1], hd = hidden / heads;
        var keyPositions = arange(t, dtype: ScalarType.Float64);
        var future = keyPositions.view(1, -1) > keyPositions.view(-1, 1);                                          // (T, T)
        var alibi = variant.Alibi
            ? tensor(AlibiSlopesTests.BloomSlopes(heads), ScalarType.Float64).view(-1, 1, 1) * keyPositions.view(1, 1, -1)   // (h, 1, T)
            : zeros(heads, 1, t, dtype: ScalarType.Float64);

        var h = Norm(W(m + "word_embeddings.weight").index_select(0, tensor(tokens.Select(x => (long)x).ToArray())), m + "word_embeddings_layernorm"); // (T, D)
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"{m}h.{layer}.";
            var normed = Norm(h, p + "input_layernorm");
            var fused = Linear(normed, p + "self_attention.query_key_value");                                       // (T, 3 D)
            var qkv = variant.PerHeadQkv ? fused.view(t, heads, 3, hd) : fused.view(t, 3, heads, hd).transpose(1, 2); // (T, h, 3, hd)
            var q = qkv.select(2, 0).transpose(0, 1);                                                             // (h, T, hd)
            var k = qkv.select(2, 1).transpose(0, 1);
            var v = qkv.select(2, 2).transpose(0, 1);
            var scores = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(hd) + alibi).masked_fill(future, double.NegativeInfinity); // (h, T, T)
            var context = scores.softmax(-1).matmul(v).transpose(0, 1).reshape(t, hidden);                          // (T, D)
            var attended = Linear(context, p + "self_attention.dense") + (variant.PostLn ? normed : h);
            var normedAgain = Norm(attended, p + "post_attention_layernorm");
            var mlp = Linear(FamilyCheckpoint.Activation("gelu_new", Linear(normedAgain, p + "mlp.dense_h_to_4h")), p + "mlp.dense_4h_to_h");
            h = mlp + (variant.PostLn ? normedAgain : attended);
        }
        var head = weights.ContainsKey("lm_head.weight") ? W("lm_head.weight") : W(m + "word_embeddings.weight");
        return FamilyCheckpoint.Nll(Norm(h, m + "ln_f").matmul(head.t()), tokens);
    }

    [TestCase(32, 4, false, true, false, TestName = "bigscience layout: 4 heads, residual from the raw input, head tied, keys without the transformer. prefix")]
    [TestCase(48, 6, true, false, true, TestName = "6 heads (not a power of two), apply_residual_connection_post_layernorm, an untied lm_head")]
    [TestCase(48, 3, false, true, true, TestName = "3 heads (not a power of two), prefixed keys, head tied")]
    public void Score_TinyBloomCheckpoint_MatchesTheFloat64Reference(int hidden, int heads, bool postLn, bool tied, bool prefixed)
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(hidden, tied, prefixed), seed: 51);
        string folder = FamilyCheckpoint.Write(Config(hidden, heads, postLn, tied), weights);
        int[] tokens = FamilyCheckpoint.Tokens(Length, 5);

        var harness = FamilyCheckpoint.HarnessNll(folder, tokens);
        double difference = FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, heads, new Variant(postLn)));
        TestContext.Progress.WriteLine($"bloom hidden={hidden} heads={heads} post_ln_residual={postLn} tied={tied} prefixed={prefixed}: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        // The layout matters: the other residual, no ALiBi, or q | k | v read as three D-wide blocks is another model.
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, heads, new Variant(!postLn))), Is.GreaterThan(1e-3));
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, heads, new Variant(postLn, Alibi: false))), Is.GreaterThan(1e-3));
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, heads, new Variant(postLn, PerHeadQkv: false))), Is.GreaterThan(1e-3));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// ALiBi strategies only: RoPE strategies are refused as on the zoo's ALiBi model; attention sinks run, and with a
    /// window longer than the text they attend to every key, so they score as the reference does.
    /// </summary>
    [Test]
    public void Strategies_RopeOnesAreRefused_SinksWithAWideWindowScoreAsTheReference()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(32, true, false), seed: 52);
        string folder = FamilyCheckpoint.Write(Config(32, 4), weights);
        int[] tokens = FamilyCheckpoint.Tokens(Length, 6);
        using (var lm = TorchLanguageModel.Load(folder, ScalarType.Float32))
        {
            Assert.That(lm.Strategy.Spec.ToString(), Is.EqualTo("alibi"), "the native strategy");
            var e = Assert.Throws<ArgumentException>(() => lm.Strategy = StrategyRegistry.Create("yarn:factor=2"))!;
            Assert.That(e.Message, Does.Contain("yarn:factor=2").And.Contain("Alibi"));
            Assert.Throws<ArgumentException>(() => lm.Strategy = StrategyRegistry.Create("linear:factor=4"));
        }
        double difference = FamilyCheckpoint.MaxDifference(FamilyCheckpoint.HarnessNll(folder, tokens, "sinks:start=4,window=64"), ReferenceNll(weights, tokens, 4, new Variant(false)));
        TestContext.Progress.WriteLine($"bloom sinks:start=4,window=64: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>KV-cached greedy generation gives the tokens of recomputing the whole sequence at every step (ALiBi past a cache).</summary>
    [Test]
    public void GenerateGreedy_WithTheKvCache_EqualsRecomputingEveryStep()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(48, false, true), seed: 53);
        string folder = FamilyCheckpoint.Write(Config(48, 6, postLn: true, tied: false), weights);
        int[] prompt = FamilyCheckpoint.Tokens(12, 7);
        using var lm = TorchLanguageModel.Load(folder, ScalarType.Float32);
        var cached = lm.GenerateGreedy(prompt, 8);

        var tokens = prompt.ToList();
        using (no_grad())
            for (int step = 0; step < cached.Count; step++)
            {
                using var stepScope = NewDisposeScope();
                var ids = tensor(tokens.Select(x => (long)x).ToArray(), [1, tokens.Count]);
                tokens.Add((int)lm.Model.Logits(lm.Model.Hidden(ids, lm.Strategy)[.., -1]).argmax(-1).item<long>());
            }
        Assert.That(cached, Is.EqualTo(tokens.Skip(prompt.Length).ToList()));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>A config field BLOOM's runtime does not honour is an error naming it when the checkpoint loads, before any weight is read.</summary>
    [TestCase("n_inner", "100", "field \"n_inner\" is 100; it is not honoured: transformers' BloomMLP is always 4 x hidden_size (128) wide")]
    [TestCase("max_position_embeddings", "4096", "field \"max_position_embeddings\" is not honoured for model_type bloom")]
    [TestCase("position_encoding", "\"rope\"", "field \"position_encoding\" is not honoured for model_type bloom")]
    public void Load_AFieldTheRuntimeDoesNotHonour_IsRefusedNamingIt(string field, string json, string expected)
    {
        var config = Config(32, 4);
        config[field] = JsonNode.Parse(json);
        string folder = FamilyCheckpoint.Write(config, FamilyCheckpoint.RandomWeights(Shapes(32, true, false), seed: 54));
        var e = Assert.Throws<ModelConfigException>(() => TorchLanguageModel.Load(folder, ScalarType.Float32))!;
        Assert.That(e.Message, Does.Contain(expected));
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void Load_ATensorUnderAGpt2Name_IsRefusedNamingIt()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(32, true, true), seed: 55);
        weights["transformer.h.0.attn.c_proj.weight"] = weights["transformer.h.0.self_attention.dense.weight"];
        weights.Remove("transformer.h.0.self_attention.dense.weight");
        string folder = FamilyCheckpoint.Write(Config(32, 4), weights);
        var e = Assert.Throws<CheckpointException>(() => TorchLanguageModel.Load(folder, ScalarType.Float32))!;
        Assert.That(e.Message, Does.Contain("missing tensor \"transformer.h.0.self_attention.dense.weight\"").And.Contain("unexpected tensor \"transformer.h.0.attn.c_proj.weight\""));
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public void ModelCost_CountsEveryParameterBuiltAndIsAnAlibiModelWithL0Of2048()
    {
        var config = ModelConfigReader.Parse("m/config.json", JsonNode.Parse(Config(48, 6, tied: false).ToJsonString())!.AsObject());
        using var model = (BloomForCausalLM)new BloomFamily().Build(config, null);
        Assert.That(new ModelCost(config, 4).TotalParameters, Is.EqualTo(model.ParameterCount()), "the one parameter formula, against the module as built");
        Assert.That((model.Shape.Encoding, model.Shape.TrainedLength, model.Shape.HeadDim), Is.EqualTo((PositionEncoding.Alibi, 2048, 8)));
        using var overridden = new BloomFamily().Build(config, 1024);
        Assert.That(overridden.Shape.TrainedLength, Is.EqualTo(1024));
    }
}
