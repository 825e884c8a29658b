using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Torch.Model.Bloom;

/// <summary>
/// The shape of a BLOOM decoder (transformers' BloomConfig): ALiBi positions (one slope per head, nothing added to the
/// embeddings), a LayerNorm right after the word embeddings, multi-head attention with a fused, biased query_key_value,
/// a 4 x hidden gelu MLP, and the residual taken from the layernormed input when <paramref name="PostLayerNormResidual"/>.
/// L0 is <paramref name="TrainedLength"/> (2048 unless a suite overrides it); it changes nothing ALiBi computes.
/// </summary>
public sealed record BloomArchitecture(
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    double LayerNormEps,
    bool TieWordEmbeddings,
    bool PostLayerNormResidual,
    int TrainedLength) : IModelShape
{
    public int HeadDim => HiddenSize / Heads;

    /// <summary>BloomMLP's width: always 4 x hidden_size.</summary>
    public int InnerSize => 4 * HiddenSize;

    public PositionEncoding Encoding => PositionEncoding.Alibi;

    /// <summary>Unused by ALiBi (no strategy that turns frequencies fits it); present for the contract.</summary>
    public RopeGeometry Geometry => new(HeadDim, 10000, TrainedLength);

    /// <summary>The architecture a bloom config.json describes; <paramref name="trainedLength"/> overrides L0.</summary>
    public static BloomArchitecture FromConfig(ModelConfig c, int? trainedLength = null) => new(
        VocabSize: c.VocabSize, HiddenSize: c.HiddenSize, Layers: c.NumHiddenLayers, Heads: c.NumAttentionHeads,
        LayerNormEps: c.RmsNormEps, TieWordEmbeddings: c.TieWordEmbeddings, PostLayerNormResidual: c.PostLayerNormResidual,
        TrainedLength: trainedLength ?? c.TrainedLength);
}
