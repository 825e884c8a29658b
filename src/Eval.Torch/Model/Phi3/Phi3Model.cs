using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Phi3;

/// <summary>transformers' Phi3Model: embed_tokens, layers, norm. Registered as "model" in the causal LM.</summary>
public sealed class Phi3Model : nn.Module, IDecoderBody
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<Phi3DecoderLayer> layers;
    private readonly RmsNorm norm;

    public Phi3Model(Phi3Architecture a) : base(nameof(Phi3Model))
    {
        embed_tokens = nn.Embedding(a.VocabSize, a.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, a.Layers).Select(_ => new Phi3DecoderLayer(a)).ToArray());
        norm = new RmsNorm(a.HiddenSize, a.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>The token embedding matrix (V, D), the output head's weight when tied.</summary>
    public Tensor EmbeddingWeight => embed_tokens.weight!;

    /// <summary>Token ids (B, T) -> final normalised hidden states (B, T, D).</summary>
    public Tensor Forward(Tensor inputIds, PositionalAttention positions, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = embed_tokens.forward(inputIds);                               // (B, T, D)
        for (int i = 0; i < layers.Count; i++)
        {
            var next = layers[i].Forward(h, positions, cache, i);
            h.Dispose();
            h = next;
        }
        cache?.Advance((int)inputIds.shape[1]);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
