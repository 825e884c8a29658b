using Eval.Core.Models;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>Llama, Mistral and Qwen2 checkpoints: one decoder (<see cref="LlamaForCausalLM"/>), windows as config.json says.</summary>
public sealed class LlamaFamily : ICausalLMFamily
{
    public IReadOnlyList<string> ModelTypes { get; } = ["llama", "mistral", "qwen2"];

    public CausalLM Build(ModelConfig config, int? trainedLength) => new LlamaForCausalLM(LlamaArchitecture.FromConfig(config, trainedLength));

    /// <summary>HF ignores these on load too: rotary caches saved by old Llama exports, and lm_head when tied.</summary>
    public void AdaptWeights(Dictionary<string, Tensor> weights, ModelConfig config) =>
        CausalLMFamilies.Drop(weights, k => k.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) || (config.TieWordEmbeddings && k == "lm_head.weight"));
}
