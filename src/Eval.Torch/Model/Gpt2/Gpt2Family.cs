using Eval.Core.Models;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Gpt2;

/// <summary>model_type gpt2: <see cref="Gpt2LMHeadModel"/>.</summary>
public sealed class Gpt2Family : ICausalLMFamily
{
    public IReadOnlyList<string> ModelTypes { get; } = ["gpt2"];

    public CausalLM Build(ModelConfig config, int? trainedLength) => new Gpt2LMHeadModel(Gpt2Architecture.FromConfig(config, trainedLength));

    /// <summary>
    /// As transformers' from_pretrained: a checkpoint saved from the bare GPT2Model (openai-community/gpt2's keys are
    /// wte.weight, h.0.attn.c_attn.weight, ...) gains the "transformer." prefix; the causal-mask buffers old exports saved
    /// (attn.bias, attn.masked_bias) are dropped, and lm_head.weight when it is tied to wte.
    /// </summary>
    public void AdaptWeights(Dictionary<string, Tensor> weights, ModelConfig config)
    {
        CausalLMFamilies.Drop(weights, k => k.EndsWith(".attn.bias", StringComparison.Ordinal) || k.EndsWith(".attn.masked_bias", StringComparison.Ordinal)
            || (config.TieWordEmbeddings && k == "lm_head.weight"));
        if (weights.Keys.Any(k => k.StartsWith("transformer.", StringComparison.Ordinal))) return;
        foreach (string key in weights.Keys.Where(k => k != "lm_head.weight").ToList())
        {
            weights["transformer." + key] = weights[key];
            weights.Remove(key);
        }
    }
}
