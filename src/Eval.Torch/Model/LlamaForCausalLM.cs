using Eval.Core.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// A Llama-family decoder with a language-model head, laid out like HF's LlamaForCausalLM so that
/// state_dict keys equal checkpoint keys (model.layers.0.self_attn.q_proj.weight, lm_head.weight, ...).
/// </summary>
public sealed class LlamaForCausalLM : CausalLM
{
    private readonly LlamaBackbone model;
    private Linear? lm_head;

    public LlamaForCausalLM(LlamaArchitecture architecture) : base(nameof(LlamaForCausalLM))
    {
        this.architecture = architecture;
        model = new LlamaBackbone(architecture);
        if (!architecture.TieWordEmbeddings) lm_head = nn.Linear(architecture.HiddenSize, architecture.VocabSize, hasBias: false);
        RegisterComponents();
    }

    private LlamaArchitecture architecture;

    public LlamaArchitecture Architecture => architecture;

    public override IModelShape Shape => architecture;

    /// <summary>
    /// Gives a tied model an output head of its own, a frozen copy of the embeddings: LongLoRA trains the embeddings
    /// but never the head, so a tuning that trains tied embeddings must first untie them.
    /// </summary>
    public void UntieHead()
    {
        if (lm_head is not null) return;
        lm_head = nn.Linear(Architecture.HiddenSize, Architecture.VocabSize, hasBias: false, device: model.EmbeddingWeight.device, dtype: model.EmbeddingWeight.dtype);
        using (no_grad()) lm_head.weight!.copy_(model.EmbeddingWeight);
        lm_head.weight!.requires_grad = false;
        register_module("lm_head", lm_head);
        architecture = architecture with { TieWordEmbeddings = false };
    }

    public override Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache = null, int? frequencyLength = null) =>
        Hidden(inputIds, strategy, cache, frequencyLength, training: null);

    /// <summary>A training forward pass of whole sequences (no cache) under LongLoRA's S2-Attn, or full causal attention when null.</summary>
    public Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, ShiftedSparseAttention? training) => Hidden(inputIds, strategy, null, null, training);

    /// <summary>Token ids (B, T) at positions [offset, offset + T) -> final hidden states (B, T, D).</summary>
    private Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache, int? frequencyLength, ShiftedSparseAttention? training)
    {
        int offset = cache?.Length ?? 0;
        int count = (int)inputIds.shape[1];
        using var positions = new PositionalAttention(strategy, Architecture, offset, count, frequencyLength ?? offset + count, training);
        return model.Forward(inputIds, positions, cache);
    }

    /// <summary>Hidden states (..., D) -> logits (..., V) through lm_head, or the embedding matrix when tied.</summary>
    public override Tensor Logits(Tensor hidden) =>
        lm_head is not null ? lm_head.forward(hidden) : hidden.matmul(model.EmbeddingWeight.t());
}
