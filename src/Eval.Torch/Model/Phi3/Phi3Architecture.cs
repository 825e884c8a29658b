using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Torch.Model.Phi3;

/// <summary>
/// The shape of a Phi-3 decoder (transformers' Phi3Config): grouped-query attention through one fused qkv_proj, RoPE on
/// the first <paramref name="RotaryDims"/> of each head, RMSNorm, a SiLU-gated MLP through one fused gate_up_proj, and a
/// sliding window on every layer when <paramref name="SlidingWindow"/> is set.
/// </summary>
public sealed record Phi3Architecture(
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    int KvHeads,
    int HeadDim,
    int IntermediateSize,
    int RotaryDims,
    double RmsNormEps,
    double RopeTheta,
    int TrainedLength,
    bool TieWordEmbeddings,
    int? SlidingWindow) : IModelShape
{
    public PositionEncoding Encoding => PositionEncoding.Rope;

    /// <summary>Strategies turn the rotated dimensions: transformers builds Phi-3's inv_freq (and checks LongRoPE's factor lists) over them.</summary>
    public RopeGeometry Geometry => new(RotaryDims, RopeTheta, TrainedLength);

    public int? WindowOf(int layer) => SlidingWindow;

    public bool WindowCuts(int keys) => SlidingWindow is int window && window < keys;

    /// <summary>The architecture a phi3 config.json describes; <paramref name="trainedLength"/> overrides L0.</summary>
    public static Phi3Architecture FromConfig(ModelConfig c, int? trainedLength = null) => new(
        VocabSize: c.VocabSize, HiddenSize: c.HiddenSize, Layers: c.NumHiddenLayers, Heads: c.NumAttentionHeads, KvHeads: c.NumKeyValueHeads,
        HeadDim: c.HeadDim, IntermediateSize: c.IntermediateSize, RotaryDims: c.RotaryDim, RmsNormEps: c.RmsNormEps, RopeTheta: c.RopeTheta,
        TrainedLength: trainedLength ?? c.TrainedLength, TieWordEmbeddings: c.TieWordEmbeddings, SlidingWindow: c.SlidingWindow);
}
