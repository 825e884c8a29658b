using Eval.Core.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Bloom;

/// <summary>
/// transformers' BloomForCausalLM, with state_dict keys equal to its checkpoint's tensor names
/// (transformer.h.0.self_attention.query_key_value.weight, transformer.word_embeddings_layernorm.bias, ...);
/// lm_head only when not tied to word_embeddings.
/// </summary>
public sealed class BloomForCausalLM : CausalLM
{
    private readonly BloomModel transformer;
    private readonly Linear? lm_head;
    private readonly BloomArchitecture architecture;

    public BloomForCausalLM(BloomArchitecture architecture) : base(nameof(BloomForCausalLM))
    {
        this.architecture = architecture;
        transformer = new BloomModel(architecture);
        if (!architecture.TieWordEmbeddings) lm_head = nn.Linear(architecture.HiddenSize, architecture.VocabSize, hasBias: false);
        RegisterComponents();
    }

    public BloomArchitecture Architecture => architecture;

    public override IModelShape Shape => architecture;

    public override Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache = null, int? frequencyLength = null)
    {
        int offset = cache?.Length ?? 0;
        int count = (int)inputIds.shape[1];
        using var positions = new PositionalAttention(strategy, architecture, offset, count, frequencyLength ?? offset + count);
        return transformer.Forward(inputIds, positions, cache);
    }

    /// <summary>Hidden states (..., D) -> logits (..., V) through word_embeddings' matrix (tied, BLOOM's default) or lm_head.</summary>
    public override Tensor Logits(Tensor hidden) =>
        lm_head is not null ? lm_head.forward(hidden) : hidden.matmul(transformer.EmbeddingWeight.t());
}
