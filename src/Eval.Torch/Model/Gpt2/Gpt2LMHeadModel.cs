using Eval.Core.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Gpt2;

/// <summary>
/// transformers' GPT2LMHeadModel, with state_dict keys equal to its checkpoint's tensor names
/// (transformer.h.0.attn.c_attn.weight, transformer.wpe.weight, ...); lm_head only when not tied to wte.
/// </summary>
public sealed class Gpt2LMHeadModel : CausalLM
{
    private readonly Gpt2Model transformer;
    private readonly Linear? lm_head;
    private readonly Gpt2Architecture architecture;

    public Gpt2LMHeadModel(Gpt2Architecture architecture) : base(nameof(Gpt2LMHeadModel))
    {
        this.architecture = architecture;
        transformer = new Gpt2Model(architecture);
        if (!architecture.TieWordEmbeddings) lm_head = nn.Linear(architecture.HiddenSize, architecture.VocabSize, hasBias: false);
        RegisterComponents();
    }

    public Gpt2Architecture Architecture => architecture;

    public override IModelShape Shape => architecture;

    public override Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache = null, int? frequencyLength = null)
    {
        int offset = cache?.Length ?? 0;
        int count = (int)inputIds.shape[1];
        using var positions = new PositionalAttention(strategy, architecture, offset, count, frequencyLength ?? offset + count);
        return transformer.Forward(inputIds, positions, cache);
    }

    /// <summary>Hidden states (..., D) -> logits (..., V) through wte's matrix (tied, GPT-2's default) or lm_head.</summary>
    public override Tensor Logits(Tensor hidden) =>
        lm_head is not null ? lm_head.forward(hidden) : hidden.matmul(transformer.EmbeddingWeight.t());
}
