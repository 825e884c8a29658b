using Eval.Core.Positional;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.GptNeoX;

/// <summary>
/// transformers' GPTNeoXForCausalLM, with state_dict keys equal to its checkpoint's tensor names
/// (gpt_neox.layers.0.attention.query_key_value.weight, embed_out.weight, ...).
/// </summary>
public sealed class GptNeoXForCausalLM : CausalLM
{
    private readonly GptNeoXModel gpt_neox;
    private readonly Linear? embed_out;
    private readonly GptNeoXArchitecture architecture;

    public GptNeoXForCausalLM(GptNeoXArchitecture architecture) : base(nameof(GptNeoXForCausalLM))
    {
        this.architecture = architecture;
        gpt_neox = new GptNeoXModel(architecture);
        if (!architecture.TieWordEmbeddings) embed_out = nn.Linear(architecture.HiddenSize, architecture.VocabSize, hasBias: false);
        RegisterComponents();
    }

    public GptNeoXArchitecture Architecture => architecture;

    public override IModelShape Shape => architecture;

    public override Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache = null, int? frequencyLength = null)
    {
        int offset = cache?.Length ?? 0;
        int count = (int)inputIds.shape[1];
        using var positions = new PositionalAttention(strategy, architecture, offset, count, frequencyLength ?? offset + count);
        return gpt_neox.Forward(inputIds, positions, cache);
    }

    /// <summary>Hidden states (..., D) -> logits (..., V) through embed_out, or embed_in's matrix when tied.</summary>
    public override Tensor Logits(Tensor hidden) =>
        embed_out is not null ? embed_out.forward(hidden) : hidden.matmul(gpt_neox.EmbeddingWeight.t());
}
