using Eval.Core.Models;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Bloom;

/// <summary>model_type bloom (BLOOM, BLOOMZ): <see cref="BloomForCausalLM"/>.</summary>
public sealed class BloomFamily : ICausalLMFamily
{
    public IReadOnlyList<string> ModelTypes { get; } = ["bloom"];

    public CausalLM Build(ModelConfig config, int? trainedLength) => new BloomForCausalLM(BloomArchitecture.FromConfig(config, trainedLength));

    /// <summary>
    /// As transformers' from_pretrained: a checkpoint saved from the bare BloomModel (bigscience/bloom-560m's keys are
    /// word_embeddings.weight, h.0.self_attention.query_key_value.weight, ...) gains the "transformer." prefix, and
    /// lm_head.weight is dropped when it is tied to word_embeddings.
    /// </summary>
    public void AdaptWeights(Dictionary<string, Tensor> weights, ModelConfig config)
    {
        CausalLMFamilies.Drop(weights, k => config.TieWordEmbeddings && k == "lm_head.weight");
        if (weights.Keys.Any(k => k.StartsWith("transformer.", StringComparison.Ordinal))) return;
        foreach (string key in weights.Keys.Where(k => k != "lm_head.weight").ToList())
        {
            weights["transformer." + key] = weights[key];
            weights.Remove(key);
        }
    }
}
