using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Torch.Model.Gpt2;

/// <summary>
/// The shape of a GPT-2 decoder (transformers' GPT2Config): learned absolute positions (wpe, <paramref name="Positions"/>
/// rows; L0 is <paramref name="TrainedLength"/>, n_positions unless a suite overrides it), pre-LayerNorm blocks, multi-head attention with a fused c_attn, a gelu MLP of
/// <paramref name="InnerSize"/> units, and a head tied to wte unless <paramref name="TieWordEmbeddings"/> is false.
/// </summary>
public sealed record Gpt2Architecture(
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    int InnerSize,
    int Positions,
    double LayerNormEps,
    bool TieWordEmbeddings,
    string HiddenAct,
    int TrainedLength) : IModelShape
{
    public int HeadDim => HiddenSize / Heads;

    public PositionEncoding Encoding => PositionEncoding.Learned;

    /// <summary>Unused by learned positions (no strategy that turns frequencies fits them); present for the contract.</summary>
    public RopeGeometry Geometry => new(HeadDim, 10000, Positions);

    /// <summary>The architecture a gpt2 config.json describes; <paramref name="trainedLength"/> overrides L0 (wpe keeps n_positions rows).</summary>
    public static Gpt2Architecture FromConfig(ModelConfig c, int? trainedLength = null) => new(
        VocabSize: c.VocabSize, HiddenSize: c.HiddenSize, Layers: c.NumHiddenLayers, Heads: c.NumAttentionHeads,
        InnerSize: c.IntermediateSize, Positions: c.MaxPositionEmbeddings, LayerNormEps: c.RmsNormEps,
        TieWordEmbeddings: c.TieWordEmbeddings, HiddenAct: c.HiddenAct, TrainedLength: trainedLength ?? c.TrainedLength);
}
