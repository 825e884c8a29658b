using System.Text.Json.Nodes;

namespace Eval.Core.Models;

/// <summary>
/// config.json of model_type bloom (BigScience BLOOM, BLOOMZ), in transformers' BloomConfig field names: hidden_size
/// (or its old name n_embed), n_layer (or num_hidden_layers), n_head (or num_attention_heads; two names that disagree
/// are refused), layer_norm_epsilon, apply_residual_connection_post_layernorm, a head tied to word_embeddings
/// (tie_word_embeddings absent true). Positions are ALiBi (read as position_encoding alibi); the MLP is always
/// 4 x hidden_size with BLOOM's tanh gelu. BLOOM's config.json names no training length: L0 is
/// <see cref="TrainedLength"/>, the sequence length every BLOOM model was trained with (a suite's trained_length overrides it).
/// </summary>
public static class BloomConfigReader
{
    private const ConfigFieldUse Honoured = ConfigFieldUse.Honoured, Ignored = ConfigFieldUse.Ignored;

    /// <summary>L0 of every BLOOM checkpoint: BigScience trained all sizes on 2048-token sequences.</summary>
    public const int TrainedLength = 2048;

    /// <summary>The activation name the parsed config carries: transformers' bloom_gelu_forward, the tanh approximation.</summary>
    public const string Activation = "bloom_gelu";

    /// <summary>
    /// Every top-level field of a bloom config.json the reader knows; any other is refused, naming it. Besides
    /// BloomConfig's own arguments, the table lists the Megatron-DeepSpeed keys BigScience's exports still carry
    /// (bigscience/bloom-560m's config.json has them), which transformers' BLOOM accepts and never reads.
    /// </summary>
    public static readonly IReadOnlyList<ConfigField> Fields =
    [
        new("model_type", Honoured, "ModelType: bloom"),
        new("vocab_size", Honoured, "VocabSize"),
        new("hidden_size", Honoured, "HiddenSize"),
        new("n_embed", Honoured, "HiddenSize, hidden_size's old name (BloomConfig pops it into hidden_size)"),
        new("n_layer", Honoured, "NumHiddenLayers"),
        new("num_hidden_layers", Honoured, "NumHiddenLayers, n_layer through BloomConfig's attribute_map"),
        new("n_head", Honoured, "NumAttentionHeads (head size hidden_size / n_head; one ALiBi slope per head)"),
        new("num_attention_heads", Honoured, "NumAttentionHeads, n_head through BloomConfig's attribute_map"),
        new("n_inner", Honoured, "must be null or 4 x hidden_size: BloomMLP's dense_h_to_4h is always 4 x hidden_size wide"),
        new("layer_norm_epsilon", Honoured, "RmsNormEps: LayerNorm's epsilon (absent: 1e-5)"),
        new("apply_residual_connection_post_layernorm", Honoured, "PostLayerNormResidual: the residual is the layernormed input (absent: false)"),
        new("tie_word_embeddings", Honoured, "TieWordEmbeddings: lm_head is word_embeddings (absent: true)"),
        new("bos_token_id", Honoured, "BosTokenId"),
        new("eos_token_id", Honoured, "EosTokenIds"),
        new("torch_dtype", Honoured, "TorchDtype (cost estimates)"),
        new("dtype", Honoured, "TorchDtype, transformers 5's name (old BloomConfig's Megatron precision)"),
        .. ModelConfigReader.Metadata,
        new("hidden_dropout", Ignored, "training"),
        new("attention_dropout", Ignored, "training"),
        // With slow_but_exact, transformers splits dense and dense_4h_to_h into pretraining_tp column slices and sums
        // the partial products (to mimic Megatron's tensor-parallel rounding): the same function, summed in another order.
        new("pretraining_tp", Ignored, "equivalent"),
        new("slow_but_exact", Ignored, "equivalent"),
        new("pretraining_pp", Ignored, "training"),
        new("gradient_checkpointing", Ignored, "training"),
        // Megatron-DeepSpeed kernel switches; transformers' BLOOM never reads them (its softmax is always in fp32, biases
        // always added). offset_alibi was a constant added to every score of a row, which softmax cancels.
        new("masked_softmax_fusion", Ignored, "unused"),
        new("bias_dropout_fusion", Ignored, "unused"),
        new("skip_bias_add", Ignored, "unused"),
        new("skip_bias_add_qkv", Ignored, "unused"),
        new("attention_softmax_in_fp32", Ignored, "unused"),
        new("offset_alibi", Ignored, "unused"),
        // Early BloomConfig's placeholder (default 20), which BloomModel never read; it is not the training length.
        new("seq_length", Ignored, "unused"),
        new("unk_token_id", Ignored, "tokenizer"),
    ];

    internal static ModelConfig Parse(string path, JsonObject json, FieldReader f)
    {
        int? Alias(string field, string other) => (int?)f.Either(field, f.Int(field), other, f.Int(other));
        int hidden = f.Positive("hidden_size", Alias("hidden_size", "n_embed") ?? throw f.Missing("hidden_size"));
        int heads = f.Positive("n_head", Alias("n_head", "num_attention_heads") ?? throw f.Missing("n_head"));
        int layers = f.Positive("n_layer", Alias("n_layer", "num_hidden_layers") ?? throw f.Missing("n_layer"));
        if (hidden % heads != 0)
            throw new ModelConfigException($"{path}: hidden_size {hidden} is not divisible by n_head {heads} (BLOOM's head size is their quotient).");
        if (f.Int("n_inner") is int inner && inner != 4 * hidden)
            throw new ModelConfigException($"{path}: field \"n_inner\" is {inner}; it is not honoured: transformers' BloomMLP is always 4 x hidden_size ({4 * hidden}) wide, whatever n_inner says.");

        return new ModelConfig(
            ModelType: "bloom",
            VocabSize: f.Positive("vocab_size", f.Int("vocab_size") ?? throw f.Missing("vocab_size")),
            HiddenSize: hidden,
            NumHiddenLayers: layers,
            NumAttentionHeads: heads,
            NumKeyValueHeads: heads,
            HeadDim: hidden / heads,
            IntermediateSize: 4 * hidden,
            RmsNormEps: f.Positive("layer_norm_epsilon", f.Double("layer_norm_epsilon") ?? 1e-5),
            RopeTheta: 10000.0,
            MaxPositionEmbeddings: TrainedLength,
            OriginalMaxPositionEmbeddings: null,
            TieWordEmbeddings: f.Bool("tie_word_embeddings") ?? true,
            AttentionBias: true,
            PositionEncoding: "alibi",
            BosTokenId: f.Int("bos_token_id"),
            EosTokenIds: f.IntList("eos_token_id"),
            SlidingWindow: null,
            TorchDtype: f.String("torch_dtype") ?? f.String("dtype"),
            CarriedStrategy: null,
            HiddenAct: Activation,
            PostLayerNormResidual: f.Bool("apply_residual_connection_post_layernorm") ?? false);
    }
}
