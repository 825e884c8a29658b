using Eval.Core.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Phi3;

/// <summary>
/// transformers' Phi3ForCausalLM, with state_dict keys equal to its checkpoint's tensor names
/// (model.layers.0.self_attn.qkv_proj.weight, model.layers.0.mlp.gate_up_proj.weight, lm_head.weight, ...).
/// </summary>
public sealed class Phi3ForCausalLM : CausalLM
{
    private readonly Phi3Model model;
    private readonly Linear? lm_head;
    private readonly Phi3Architecture architecture;

    public Phi3ForCausalLM(Phi3Architecture architecture) : base(nameof(Phi3ForCausalLM))
    {
        this.architecture = architecture;
        model = new Phi3Model(architecture);
        if (!architecture.TieWordEmbeddings) lm_head = nn.Linear(architecture.HiddenSize, architecture.VocabSize, hasBias: false);
        RegisterComponents();
    }

    public Phi3Architecture Architecture => architecture;

    public override IModelShape Shape => architecture;

    public override Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache = null, int? frequencyLength = null)
    {
        int offset = cache?.Length ?? 0;
        int count = (int)inputIds.shape[1];
        using var positions = new PositionalAttention(strategy, architecture, offset, count, frequencyLength ?? offset + count);
        return model.Forward(inputIds, positions, cache);
    }

    /// <summary>Hidden states (..., D) -> logits (..., V) through lm_head, or the embedding matrix when tied.</summary>
    public override Tensor Logits(Tensor hidden) =>
        lm_head is not null ? lm_head.forward(hidden) : hidden.matmul(model.EmbeddingWeight.t());
}
