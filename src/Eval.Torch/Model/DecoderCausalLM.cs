using Eval.Core.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>A family's decoder body (embeddings, layers, final norm), as its top class calls it.</summary>
public interface IDecoderBody
{
    /// <summary>The token embedding matrix (V, D), the output head's weight when tied.</summary>
    Tensor EmbeddingWeight { get; }

    /// <summary>Token ids (B, T) -> final normalised hidden states (B, T, D), positions from <paramref name="positions"/>.</summary>
    Tensor Forward(Tensor inputIds, PositionalAttention positions, KvCache? cache);
}

/// <summary>
/// The top class every non-Llama family shares (transformers' *ForCausalLM): its body and, when not tied to the
/// embeddings, its output head, registered under the names the family's checkpoint uses ("transformer" / "lm_head",
/// "gpt_neox" / "embed_out", ...), so state_dict keys stay the checkpoint's tensor names; positions are built from the
/// shape for each forward.
/// </summary>
public abstract class DecoderCausalLM<TShape, TBody> : CausalLM
    where TShape : IModelShape
    where TBody : nn.Module, IDecoderBody
{
    private readonly TBody body;
    private readonly Linear? head;
    private readonly TShape shape;

    protected DecoderCausalLM(string name, TShape shape, string bodyName, TBody body, string headName, bool tiedHead) : base(name)
    {
        this.shape = shape;
        this.body = body;
        register_module(bodyName, body);
        if (!tiedHead)
        {
            head = nn.Linear(shape.HiddenSize, shape.VocabSize, hasBias: false);
            register_module(headName, head);
        }
    }

    public TShape Architecture => shape;

    public override IModelShape Shape => shape;

    public override Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache = null, int? frequencyLength = null)
    {
        int offset = cache?.Length ?? 0;
        int count = (int)inputIds.shape[1];
        using var positions = new PositionalAttention(strategy, shape, offset, count, frequencyLength ?? offset + count);
        return body.Forward(inputIds, positions, cache);
    }

    /// <summary>Hidden states (..., D) -> logits (..., V) through the head, or the embedding matrix when tied.</summary>
    public override Tensor Logits(Tensor hidden) => head is not null ? head.forward(hidden) : hidden.matmul(body.EmbeddingWeight.t());
}
