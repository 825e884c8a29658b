using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Torch.Model.GptNeoX;

/// <summary>
/// The shape of a GPT-NeoX decoder (transformers' GPTNeoXConfig): multi-head attention with a fused, biased
/// query_key_value, RoPE on the first <paramref name="RotaryDims"/> of each head's dimensions, LayerNorm, a gelu MLP,
/// and the attention and MLP either in parallel from one input (<paramref name="ParallelResidual"/>) or in sequence.
/// </summary>
public sealed record GptNeoXArchitecture(
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    int IntermediateSize,
    int RotaryDims,
    double LayerNormEps,
    double RopeTheta,
    int TrainedLength,
    bool TieWordEmbeddings,
    bool AttentionBias,
    bool ParallelResidual,
    string HiddenAct) : IModelShape
{
    public int HeadDim => HiddenSize / Heads;

    public PositionEncoding Encoding => PositionEncoding.Rope;

    /// <summary>Strategies turn the rotated dimensions only: transformers builds GPT-NeoX's inv_freq over rotary_ndims.</summary>
    public RopeGeometry Geometry => new(RotaryDims, RopeTheta, TrainedLength);

    /// <summary>The architecture a gpt_neox config.json describes; <paramref name="trainedLength"/> overrides L0.</summary>
    public static GptNeoXArchitecture FromConfig(ModelConfig c, int? trainedLength = null) => new(
        VocabSize: c.VocabSize, HiddenSize: c.HiddenSize, Layers: c.NumHiddenLayers, Heads: c.NumAttentionHeads,
        IntermediateSize: c.IntermediateSize, RotaryDims: c.RotaryDim, LayerNormEps: c.RmsNormEps, RopeTheta: c.RopeTheta,
        TrainedLength: trainedLength ?? c.TrainedLength, TieWordEmbeddings: c.TieWordEmbeddings, AttentionBias: c.AttentionBias,
        ParallelResidual: c.ParallelResidual, HiddenAct: c.HiddenAct);
}
