using Eval.Core.Positional;

namespace Eval.Core.Models;

/// <summary>
/// The parts of a Hugging Face config.json the harness uses (Llama, Mistral, Qwen2), plus
/// <c>position_encoding</c> (rope | alibi | nope | sinusoidal | learned) that the harness's own zoo checkpoints carry
/// (transformers' Llama has no such key: it is this harness's own; docs/checkpoints.md).
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
    StrategySpec? CarriedStrategy)
{
    /// <summary>The model types whose checkpoints this harness loads.</summary>
    public static readonly string[] SupportedModelTypes = ["llama", "mistral", "qwen2"];

    /// <summary>The positional encodings a config may name.</summary>
    public static readonly string[] PositionEncodings = ["rope", "alibi", "nope", "sinusoidal", "learned"];

    /// <summary>
    /// The context length the model was trained on, L0: the rope_scaling block's original length, else the
    /// config's original_max_position_embeddings, else max_position_embeddings.
    /// </summary>
    public int TrainedLength => OriginalMaxPositionEmbeddings ?? MaxPositionEmbeddings;
}
