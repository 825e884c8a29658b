using Eval.Core.Positional;

namespace Eval.Torch.Model;

/// <summary>
/// How a model encodes positions as trained: RoPE (Llama family), ALiBi, KERPLE-log (learned log biases), xPos (RoPE with reciprocal q/k scales), HWFA (windowed RoPE layers, a full NoPE last layer), none (NoPE), or absolute vectors added to
/// the token embeddings: fixed sinusoids (Vaswani et al.) or a learned table (GPT-2).
/// </summary>
public enum PositionEncoding { Rope, Alibi, NoPE, Sinusoidal, Learned, Kerple, Xpos, Hwfa }

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

/// <summary>
/// The shape of a Llama-family decoder: everything needed to build its modules. <paramref name="SlidingWindow"/>: the
/// layers from <paramref name="FirstWindowLayer"/> on attend only to the last SlidingWindow keys (Mistral, Qwen2); null:
/// every layer attends to every earlier token.
/// </summary>
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
    int? PositionTableRows = null,
    int? SlidingWindow = null,
    int FirstWindowLayer = 0) : IModelShape
{
    /// <summary>Layer <paramref name="layer"/>'s sliding window (query i sees keys i - window &lt; j &lt;= i), or null for full causal attention.
    /// HWFA windows every layer but the last (<see cref="IsFullNoPELayer"/>).</summary>
    public int? WindowOf(int layer) => SlidingWindow is int window && (Encoding == PositionEncoding.Hwfa ? !IsFullNoPELayer(layer) : layer >= FirstWindowLayer) ? window : null;

    /// <summary>HWFA's last layer: full causal attention without positions, with log-n scaled queries.</summary>
    public bool IsFullNoPELayer(int layer) => Encoding == PositionEncoding.Hwfa && layer == Layers - 1;

    /// <summary>True when some layer's window hides keys from a query among <paramref name="keys"/> positions (a window of at least that many is full attention).</summary>
    public bool WindowCuts(int keys) => SlidingWindow is int window && window < keys && (Encoding == PositionEncoding.Hwfa ? Layers > 1 : FirstWindowLayer < Layers);

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
        PositionTableRows: c.PositionEncoding == "learned" ? c.MaxPositionEmbeddings : null,
        SlidingWindow: c.SlidingWindow, FirstWindowLayer: c.FirstWindowLayer);

    /// <summary>
    /// The config.json that describes this architecture (for checkpoints the zoo writes): llama, or with a window
    /// mistral (every layer windowed) or qwen2 (the last layers).
    /// </summary>
    public Eval.Core.Models.ModelConfig ToConfig(string dtype) => new(
        ModelType: SlidingWindow is null ? "llama" : FirstWindowLayer == 0 ? "mistral" : "qwen2", VocabSize: VocabSize, HiddenSize: HiddenSize, NumHiddenLayers: Layers, NumAttentionHeads: Heads,
        NumKeyValueHeads: KvHeads, HeadDim: HeadDim, IntermediateSize: IntermediateSize, RmsNormEps: RmsNormEps, RopeTheta: RopeTheta,
        MaxPositionEmbeddings: Encoding == PositionEncoding.Learned ? PositionRows : TrainedLength, OriginalMaxPositionEmbeddings: null, TieWordEmbeddings: TieWordEmbeddings,
        AttentionBias: AttentionBias, PositionEncoding: EncodingName, BosTokenId: 1, EosTokenIds: [2],
        SlidingWindow: SlidingWindow, TorchDtype: dtype, CarriedStrategy: null, FirstWindowLayer: SlidingWindow is null ? 0 : FirstWindowLayer);
}
