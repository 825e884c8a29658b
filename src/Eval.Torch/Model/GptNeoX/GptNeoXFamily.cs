using Eval.Core.Models;
using static TorchSharp.torch;

namespace Eval.Torch.Model.GptNeoX;

/// <summary>model_type gpt_neox (Pythia, GPT-NeoX-20B): <see cref="GptNeoXForCausalLM"/>.</summary>
public sealed class GptNeoXFamily : ICausalLMFamily
{
    public IReadOnlyList<string> ModelTypes { get; } = ["gpt_neox"];

    public CausalLM Build(ModelConfig config, int? trainedLength) => new GptNeoXForCausalLM(GptNeoXArchitecture.FromConfig(config, trainedLength));

    /// <summary>
    /// Older exports saved GPTNeoXAttention's causal-mask buffers (attention.bias, attention.masked_bias) and rotary cache
    /// (rotary_emb.inv_freq); transformers drops them on load, and embed_out.weight when it is tied to embed_in.
    /// </summary>
    public void AdaptWeights(Dictionary<string, Tensor> weights, ModelConfig config) =>
        CausalLMFamilies.Drop(weights, k => k.EndsWith(".attention.bias", StringComparison.Ordinal) || k.EndsWith(".attention.masked_bias", StringComparison.Ordinal)
            || k.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && k == "embed_out.weight"));
}
