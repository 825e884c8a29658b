using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Model.Gpt2;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// Issue #33: GPT-2 checkpoints load from their own layout and score as transformers' GPT2LMHeadModel computes. A tiny
/// random checkpoint, written under transformers' tensor names (Conv1D weights stored [in, out]) with a GPT2Config
/// config.json, is scored through the harness and compared per token with a float64 forward pass written out here from the
/// weights alone.
/// </summary>
public class Gpt2Tests
{
    const int Hidden = 32, Heads = 2, HeadDim = 16, Layers = 2, Positions = 64, Length = 40;

    static JsonObject Config(string act = "gelu_new", int? inner = null, bool tied = true) => new()
    {
        ["architectures"] = new JsonArray("GPT2LMHeadModel"),
        ["model_type"] = "gpt2",
        ["vocab_size"] = FamilyCheckpoint.Vocab,
        ["n_embd"] = Hidden,
        ["n_head"] = Heads,
        ["n_layer"] = Layers,
        ["n_inner"] = inner,
        ["n_positions"] = Positions,
        ["n_ctx"] = Positions,
        ["activation_function"] = act,
        ["layer_norm_epsilon"] = 1e-5,
        ["scale_attn_weights"] = true,
        ["scale_attn_by_inverse_layer_idx"] = false,
        ["reorder_and_upcast_attn"] = false,
        ["tie_word_embeddings"] = tied,
        ["resid_pdrop"] = 0.1,
        ["embd_pdrop"] = 0.1,
        ["attn_pdrop"] = 0.1,
        ["summary_type"] = "cls_index",
        ["summary_use_proj"] = true,
        ["summary_activation"] = null,
        ["summary_proj_to_labels"] = true,
        ["summary_first_dropout"] = 0.1,
        ["initializer_range"] = 0.02,
        ["bos_token_id"] = 1,
        ["eos_token_id"] = 2,
        ["use_cache"] = true,
    };

    /// <summary>GPT2LMHeadModel's tensors as transformers names and shapes them: Conv1D weights [in, out]; lm_head only when untied.</summary>
    static IEnumerable<(string, long[])> Shapes(int inner, bool tied)
    {
        yield return ("transformer.wte.weight", [FamilyCheckpoint.Vocab, Hidden]);
        yield return ("transformer.wpe.weight", [Positions, Hidden]);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"transformer.h.{l}.";
            foreach (string norm in new[] { "ln_1", "ln_2" })
            {
                yield return (p + norm + ".weight", [Hidden]);
                yield return (p + norm + ".bias", [Hidden]);
            }
            yield return (p + "attn.c_attn.weight", [Hidden, 3 * Hidden]);
            yield return (p + "attn.c_attn.bias", [3 * Hidden]);
            yield return (p + "attn.c_proj.weight", [Hidden, Hidden]);
            yield return (p + "attn.c_proj.bias", [Hidden]);
            yield return (p + "mlp.c_fc.weight", [Hidden, inner]);
            yield return (p + "mlp.c_fc.bias", [inner]);
            yield return (p + "mlp.c_proj.weight", [inner, Hidden]);
            yield return (p + "mlp.c_proj.bias", [Hidden]);
        }
        yield return ("transformer.ln_f.weight", [Hidden]);
        yield return ("transformer.ln_f.bias", [Hidden]);
        if (!tied) yield return ("lm_head.weight", [FamilyCheckpoint.Vocab, Hidden]);
    }

    /// <summary>
    /// GPT2LMHeadModel in float64 from its weights: wte + wpe rows 0..T-1; per block LayerNorm ln_1, c_attn as x W + b
    /// split along the last axis into q | k | v of D each, heads of hd, causal attention / sqrt(hd), c_proj, residual;
    /// ln_2, c_fc, activation, c_proj, residual; ln_f; logits against wte (tied) or lm_head.
    /// </summary>
    static double[] ReferenceNll(IReadOnlyDictionary<string, Tensor> weights, int[] tokens, string act)
    {
        using var scope = NewDisposeScope();
        Tensor W(string key) => weights[key].to(ScalarType.Float64);
        Tensor Conv1D(Tensor x, string key) => x.matmul(W(key + ".weight")) + W(key + ".bias");
        Tensor Norm(Tensor x, string key) => FamilyCheckpoint.LayerNorm(x, W(key + ".weight"), W(key + ".bias"), 1e-5);
        int t = tokens.Length;
        Tensor Heads_(Tensor x) => x.view(t, Heads, HeadDim).transpose(0, 1);                               // (h, T, hd)

        var h = W("transformer.wte.weight").index_select(0, tensor(tokens.Select(x => (long)x).ToArray())) + W("transformer.wpe.weight")[..t];   // (T, D)
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"transformer.h.{layer}.";
            var qkv = Conv1D(Norm(h, p + "ln_1"), p + "attn.c_attn");                                        // (T, 3 D)
            var attended = FamilyCheckpoint.CausalAttention(Heads_(qkv[.., ..Hidden]), Heads_(qkv[.., Hidden..(2 * Hidden)]), Heads_(qkv[.., (2 * Hidden)..]));
            h = h + Conv1D(attended, p + "attn.c_proj");
            h = h + Conv1D(FamilyCheckpoint.Activation(act, Conv1D(Norm(h, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj");
        }
        var head = weights.ContainsKey("lm_head.weight") ? W("lm_head.weight") : W("transformer.wte.weight");
        return FamilyCheckpoint.Nll(Norm(h, "transformer.ln_f").matmul(head.t()), tokens);
    }

    [TestCase("gelu_new", null, true, TestName = "GPT-2 layout: gelu_new, n_inner null (4 x n_embd), lm_head tied to wte")]
    [TestCase("gelu", 48, false, TestName = "gelu, n_inner 48, an untied lm_head")]
    public void Score_TinyGpt2Checkpoint_MatchesTheFloat64Reference(string act, int? inner, bool tied)
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(inner ?? 4 * Hidden, tied), seed: 41);
        string folder = FamilyCheckpoint.Write(Config(act, inner, tied), weights);
        int[] tokens = FamilyCheckpoint.Tokens(Length, 5);

        var harness = FamilyCheckpoint.HarnessNll(folder, tokens);
        double difference = FamilyCheckpoint.MaxDifference(harness, ReferenceNll(weights, tokens, act));
        TestContext.Progress.WriteLine($"gpt2 {act} n_inner={inner} tied={tied}: max |logprob difference| {difference:E2}");
        Assert.That(difference, Is.LessThan(1e-5));
        // Conv1D's [in, out] layout matters: the square attention c_proj read as nn.Linear's [out, in] gives another model.
        var transposed = weights.ToDictionary(p => p.Key, p => p.Key.EndsWith(".attn.c_proj.weight", StringComparison.Ordinal) ? p.Value.t() : p.Value);
        Assert.That(FamilyCheckpoint.MaxDifference(harness, ReferenceNll(transposed, tokens, act)), Is.GreaterThan(1e-3));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// openai-community/gpt2's own file: keys saved from the bare GPT2Model (wte.weight, h.0.attn.c_attn.weight, ...) and
    /// the causal-mask buffers (h.N.attn.bias, attn.masked_bias). transformers adds the prefix and drops the buffers; so does the loader.
    /// </summary>
    [Test]
    public void Load_KeysWithoutTheTransformerPrefixAndMaskBuffers_LoadAsTransformersLoadsThem()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(4 * Hidden, true), seed: 42);
        var bare = weights.ToDictionary(p => p.Key["transformer.".Length..], p => p.Value);
        for (int l = 0; l < Layers; l++)
        {
            bare[$"h.{l}.attn.bias"] = ones(1, 1, Positions, Positions);
            bare[$"h.{l}.attn.masked_bias"] = tensor(-1e4f);
        }
        string folder = FamilyCheckpoint.Write(Config(), bare);
        int[] tokens = FamilyCheckpoint.Tokens(Length, 6);
        Assert.That(FamilyCheckpoint.MaxDifference(FamilyCheckpoint.HarnessNll(folder, tokens), ReferenceNll(weights, tokens, "gelu_new")), Is.LessThan(1e-5));
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Past n_positions the learned table has no row: not applicable, never clamped; the hierarchical strategy stretches it.</summary>
    [Test]
    public void Score_BeyondNPositions_IsNotApplicable_AndHierarchicalStretchesTheTable()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(4 * Hidden, true), seed: 43);
        string folder = FamilyCheckpoint.Write(Config(), weights);
        int[] tokens = FamilyCheckpoint.Tokens(Positions + 8, 7);
        using var lm = TorchLanguageModel.Load(folder, ScalarType.Float32);
        Assert.That(lm.TrainedLength, Is.EqualTo(Positions));
        Assert.Throws<NotApplicableException>(() => lm.Score([new ScoringWindow(tokens, 1)]));
        lm.Strategy = StrategyRegistry.Create("hierarchical:alpha=0.4");
        Assert.That(lm.Score([new ScoringWindow(tokens, 1)])[0].Nll.All(float.IsFinite), Is.True);
        Assert.Throws<ArgumentException>(() => lm.Strategy = StrategyRegistry.Create("yarn:factor=2"), "a RoPE strategy does not fit learned positions");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>KV-cached greedy generation gives the tokens of recomputing the whole sequence at every step.</summary>
    [Test]
    public void GenerateGreedy_WithTheKvCache_EqualsRecomputingEveryStep()
    {
        var weights = FamilyCheckpoint.RandomWeights(Shapes(4 * Hidden, true), seed: 44);
        string folder = FamilyCheckpoint.Write(Config(), weights);
        int[] prompt = FamilyCheckpoint.Tokens(12, 8);
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

    [Test]
    public void ModelCost_CountsEveryParameterBuilt()
    {
        var config = ModelConfigReader.Parse("m/config.json", JsonNode.Parse(Config(inner: 48, tied: false).ToJsonString())!.AsObject());
        using var model = (Gpt2LMHeadModel)new Gpt2Family().Build(config, null);
        Assert.That(new ModelCost(config, 4).TotalParameters, Is.EqualTo(model.ParameterCount()), "the one parameter formula, against the module as built");
        Assert.That((model.Shape.Encoding, model.Shape.TrainedLength), Is.EqualTo((PositionEncoding.Learned, Positions)));
    }
}
