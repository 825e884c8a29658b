using Eval.Core.Models;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Phi3;

/// <summary>model_type phi3 (Phi-3, Phi-3.5, Phi-4-mini): <see cref="Phi3ForCausalLM"/>.</summary>
public sealed class Phi3Family : ICausalLMFamily
{
    public IReadOnlyList<string> ModelTypes { get; } = ["phi3"];

    public CausalLM Build(ModelConfig config, int? trainedLength) => new Phi3ForCausalLM(Phi3Architecture.FromConfig(config, trainedLength));

    /// <summary>transformers drops rotary caches saved by old exports, and lm_head.weight when tied to embed_tokens.</summary>
    public void AdaptWeights(Dictionary<string, Tensor> weights, ModelConfig config) =>
        CausalLMFamilies.Drop(weights, k => k.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && k == "lm_head.weight"));
}
