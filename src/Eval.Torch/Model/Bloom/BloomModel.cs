using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Bloom;

/// <summary>
/// transformers' BloomModel: word_embeddings, word_embeddings_layernorm, blocks h, ln_f. No position vectors: ALiBi
/// biases the attention scores. Registered as "transformer" in the causal LM.
/// </summary>
public sealed class BloomModel : nn.Module, IDecoderBody
{
    private readonly Embedding word_embeddings;
    private readonly LayerNorm word_embeddings_layernorm;
    private readonly ModuleList<BloomBlock> h;
    private readonly LayerNorm ln_f;

    public BloomModel(BloomArchitecture a) : base(nameof(BloomModel))
    {
        word_embeddings = nn.Embedding(a.VocabSize, a.HiddenSize);
        word_embeddings_layernorm = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        h = nn.ModuleList(Enumerable.Range(0, a.Layers).Select(_ => new BloomBlock(a)).ToArray());
        ln_f = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>The token embedding matrix (V, D), the output head's weight when tied.</summary>
    public Tensor EmbeddingWeight => word_embeddings.weight!;

    /// <summary>Token ids (B, T) -> final normalised hidden states (B, T, D).</summary>
    public Tensor Forward(Tensor inputIds, PositionalAttention positions, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var x = word_embeddings_layernorm.forward(word_embeddings.forward(inputIds));   // (B, T, D)
        for (int i = 0; i < h.Count; i++)
        {
            var next = h[i].Forward(x, positions, cache, i);
            x.Dispose();
            x = next;
        }
        cache?.Advance((int)inputIds.shape[1]);
        return ln_f.forward(x).MoveToOuterDisposeScope();
    }
}
