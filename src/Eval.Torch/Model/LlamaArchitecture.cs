using Eval.Core.Positional;

namespace Eval.Torch.Model;

/// <summary>
/// How a model encodes positions as trained: RoPE (Llama family), ALiBi, none (NoPE), or absolute vectors added to
/// the token embeddings: fixed sinusoids (Vaswani et al.) or a learned table (GPT-2).
/// </summary>
public enum PositionEncoding { Rope, Alibi, NoPE, Sinusoidal, Learned }

public static class PositionEncodingNames
{
    /// <summary>config.json's name of the encoding: rope, alibi, nope, sinusoidal or learned.</summary>
    public static string ConfigName(this PositionEncoding encoding) => encoding.ToString().ToLowerInvariant();

    /// <summary>The encoding config.json names (one of <see cref="Eval.Core.Models.ModelConfig.PositionEncodings"/>).</summary>
    public static PositionEncoding FromConfigName(string name) =>
        Enum.GetValues<PositionEncoding>().FirstOrDefault(e => e.ConfigName() == name, PositionEncoding.Rope);

    /// <summary>True for the encodings that add position vectors to the token embeddings.</summary>
    public static bool IsAbsolute(this PositionEncoding encoding) => encoding is PositionEncoding.Sinusoidal or PositionEncoding.Learned;
}

/// <summary>The shape of a Llama-family decoder: everything needed to build its modules.</summary>
public sealed record LlamaArchitecture(
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    int KvHeads,
    int HeadDim,
    int IntermediateSize,
    double RmsNormEps,
    double RopeTheta,
    int TrainedLength,
    bool TieWordEmbeddings,
    bool AttentionBias = false,
    PositionEncoding Encoding = PositionEncoding.Rope,
    int? PositionTableRows = null)
{
    /// <summary>Rows of a learned position table: config.json's max_position_embeddings, L0 for the zoo; 0 for other encodings.</summary>
    public int PositionRows => Encoding == PositionEncoding.Learned ? PositionTableRows ?? TrainedLength : 0;

    /// <summary>config.json's name of the encoding: rope, alibi or nope.</summary>
    public string EncodingName => Encoding.ConfigName();

    /// <summary>The strategy that runs this model exactly as it was trained.</summary>
    public IPositionalStrategy NativeStrategy() => StrategyRegistry.Create(EncodingRules.NativeStrategy(EncodingName));

    /// <summary>The geometry positional strategies compute frequencies from.</summary>
    public RopeGeometry Geometry => new(HeadDim, RopeTheta, TrainedLength);

    /// <summary>The architecture a config.json describes; <paramref name="trainedLength"/> overrides L0 when given.</summary>
    public static LlamaArchitecture FromConfig(Eval.Core.Models.ModelConfig c, int? trainedLength = null) => new(
        VocabSize: c.VocabSize, HiddenSize: c.HiddenSize, Layers: c.NumHiddenLayers, Heads: c.NumAttentionHeads,
        KvHeads: c.NumKeyValueHeads, HeadDim: c.HeadDim, IntermediateSize: c.IntermediateSize, RmsNormEps: c.RmsNormEps,
        RopeTheta: c.RopeTheta, TrainedLength: trainedLength ?? c.TrainedLength, TieWordEmbeddings: c.TieWordEmbeddings,
        AttentionBias: c.AttentionBias, Encoding: PositionEncodingNames.FromConfigName(c.PositionEncoding),
        PositionTableRows: c.PositionEncoding == "learned" ? c.MaxPositionEmbeddings : null);

    /// <summary>The config.json that describes this architecture (for checkpoints the zoo writes).</summary>
    public Eval.Core.Models.ModelConfig ToConfig(string dtype) => new(
        ModelType: "llama", VocabSize: VocabSize, HiddenSize: HiddenSize, NumHiddenLayers: Layers, NumAttentionHeads: Heads,
        NumKeyValueHeads: KvHeads, HeadDim: HeadDim, IntermediateSize: IntermediateSize, RmsNormEps: RmsNormEps, RopeTheta: RopeTheta,
        MaxPositionEmbeddings: Encoding == PositionEncoding.Learned ? PositionRows : TrainedLength, OriginalMaxPositionEmbeddings: null, TieWordEmbeddings: TieWordEmbeddings,
        AttentionBias: AttentionBias, PositionEncoding: EncodingName, BosTokenId: 1, EosTokenIds: [2],
        SlidingWindow: null, TorchDtype: dtype, CarriedStrategy: null);

    /// <summary>Parameters, counting tied embeddings once.</summary>
    public long ParameterCount
    {
        get
        {
            long attention = (long)HiddenSize * Heads * HeadDim * 2 + (long)HiddenSize * KvHeads * HeadDim * 2;
            long bias = AttentionBias ? (long)(Heads + 2 * KvHeads) * HeadDim : 0;
            long mlp = 3L * HiddenSize * IntermediateSize;
            long perLayer = attention + bias + mlp + 2L * HiddenSize;
            long embeddings = (long)VocabSize * HiddenSize * (TieWordEmbeddings ? 1 : 2);
            return embeddings + (long)PositionRows * HiddenSize + Layers * perLayer + HiddenSize;
        }
    }
}
