using Eval.Core.Positional;

namespace Eval.Core.Models;

/// <summary>
/// The parts of a Hugging Face config.json the harness uses (Llama, Mistral, Qwen2; GPT-NeoX, GPT-2, Phi-3 and BLOOM under their
/// own field names, read into the same record: <see cref="RmsNormEps"/> is then LayerNorm's epsilon), plus
/// <c>position_encoding</c> (rope | alibi | nope | sinusoidal | learned) that the harness's own zoo checkpoints carry
/// (transformers' Llama has no such key: it is this harness's own; docs/checkpoints.md).
/// <see cref="SlidingWindow"/> is the window as transformers applies it (null: full attention in every layer), on the
/// layers from <see cref="FirstWindowLayer"/> on: Mistral windows every layer, Qwen2 only when use_sliding_window is true
/// and only layers at or past max_window_layers. <see cref="ParallelResidual"/> is GPT-NeoX's use_parallel_residual,
/// <see cref="PostLayerNormResidual"/> BLOOM's apply_residual_connection_post_layernorm (the residual is the layernormed
/// input). <see cref="ModelConfigReader.FieldsOf"/> says what becomes of every field.
/// </summary>
public sealed record ModelConfig(
    string ModelType,
    int VocabSize,
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int HeadDim,
    int IntermediateSize,
    double RmsNormEps,
    double RopeTheta,
    int MaxPositionEmbeddings,
    int? OriginalMaxPositionEmbeddings,
    bool TieWordEmbeddings,
    bool AttentionBias,
    string PositionEncoding,
    int? BosTokenId,
    int[] EosTokenIds,
    int? SlidingWindow,
    string? TorchDtype,
    StrategySpec? CarriedStrategy,
    int FirstWindowLayer = 0,
    string HiddenAct = "silu",
    int? RotaryDims = null,
    bool ParallelResidual = false,
    bool PostLayerNormResidual = false)
{
    /// <summary>The model types whose checkpoints this harness loads.</summary>
    public static IReadOnlyList<string> SupportedModelTypes => ModelConfigReader.ModelTypes;

    /// <summary>
    /// Dimensions of each head that RoPE turns: every one (Llama), or GPT-NeoX's rotary_ndims = head_dim x rotary_pct.
    /// Positional strategies compute their frequencies for this many dimensions.
    /// </summary>
    public int RotaryDim => RotaryDims ?? HeadDim;

    /// <summary>Matrices of the MLP: three for the gated (SwiGLU) Llama family, two (up, down) for GPT-NeoX, GPT-2 and BLOOM.</summary>
    public int MlpMatrices => ModelType is "gpt_neox" or "gpt2" or "bloom" ? 2 : 3;

    /// <summary>The positional encodings a config may name.</summary>
    public static readonly string[] PositionEncodings = ["rope", "alibi", "nope", "sinusoidal", "learned", "kerple", "xpos", "hwfa"];

    /// <summary>
    /// The context length the model was trained on, L0: the rope_scaling block's original length, else the
    /// config's original_max_position_embeddings, else max_position_embeddings.
    /// </summary>
    public int TrainedLength => OriginalMaxPositionEmbeddings ?? MaxPositionEmbeddings;

    /// <summary>
    /// The sliding window of decoder layer <paramref name="layer"/> (0-based), or null where it attends to every earlier
    /// token: query i sees keys j with i - window &lt; j &lt;= i.
    /// </summary>
    public int? WindowOf(int layer) => SlidingWindow is int window && layer >= FirstWindowLayer ? window : null;
}
