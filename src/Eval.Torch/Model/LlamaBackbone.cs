using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>HF's LlamaModel: embeddings, decoder layers, final norm. Registered as "model" in the causal LM.</summary>
public sealed class LlamaBackbone : nn.Module
{
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;
    private readonly Embedding? embed_positions;   // learned absolute positions (GPT-2's wpe), (rows, D)
    private readonly LlamaArchitecture architecture;

    public LlamaBackbone(LlamaArchitecture a) : base(nameof(LlamaBackbone))
    {
        embed_tokens = nn.Embedding(a.VocabSize, a.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, a.Layers).Select(_ => new LlamaDecoderLayer(a)).ToArray());
        norm = new RmsNorm(a.HiddenSize, a.RmsNormEps);
        if (a.Encoding == PositionEncoding.Learned) embed_positions = nn.Embedding(a.PositionRows, a.HiddenSize);
        architecture = a;
        RegisterComponents();
    }

    /// <summary>The token embedding matrix (V, D), shared with the output head when tied.</summary>
    public Tensor EmbeddingWeight => embed_tokens.weight!;

    /// <summary>Token ids (B, T) -> final normalised hidden states (B, T, D).</summary>
    public Tensor Forward(Tensor inputIds, PositionalAttention attention, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = embed_tokens.forward(inputIds);                                  // (B, T, D)
        if (architecture.Encoding.IsAbsolute())                                  // + (T, D) position vectors
            h = h * AbsolutePositions.EmbeddingScale(architecture) + AbsolutePositions.Vectors(architecture, embed_positions?.weight,
                attention.Strategy, attention.QueryOffset, attention.QueryCount, h.dtype, h.device);
        for (int i = 0; i < layers.Count; i++)
        {
            var next = layers[i].Forward(h, attention, cache, i);
            h.Dispose();
            h = next;
        }
        cache?.Advance((int)inputIds.shape[1]);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
