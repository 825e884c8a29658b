using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.GptNeoX;

/// <summary>transformers' GPTNeoXModel: embed_in, layers, final_layer_norm. Registered as "gpt_neox" in the causal LM.</summary>
public sealed class GptNeoXModel : nn.Module, IDecoderBody
{
    private readonly Embedding embed_in;
    private readonly ModuleList<GptNeoXLayer> layers;
    private readonly LayerNorm final_layer_norm;

    public GptNeoXModel(GptNeoXArchitecture a) : base(nameof(GptNeoXModel))
    {
        embed_in = nn.Embedding(a.VocabSize, a.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, a.Layers).Select(_ => new GptNeoXLayer(a)).ToArray());
        final_layer_norm = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>The token embedding matrix (V, D), the output head's weight when tied.</summary>
    public Tensor EmbeddingWeight => embed_in.weight!;

    /// <summary>Token ids (B, T) -> final normalised hidden states (B, T, D).</summary>
    public Tensor Forward(Tensor inputIds, PositionalAttention positions, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = embed_in.forward(inputIds);                                   // (B, T, D)
        for (int i = 0; i < layers.Count; i++)
        {
            var next = layers[i].Forward(h, positions, cache, i);
            h.Dispose();
            h = next;
        }
        cache?.Advance((int)inputIds.shape[1]);
        return final_layer_norm.forward(h).MoveToOuterDisposeScope();
    }
}
