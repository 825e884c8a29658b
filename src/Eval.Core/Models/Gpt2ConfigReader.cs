using System.Text.Json.Nodes;

namespace Eval.Core.Models;

/// <summary>
/// config.json of model_type gpt2, in transformers' GPT2Config field names (n_embd, n_head, n_layer, n_inner,
/// n_positions, layer_norm_epsilon, activation_function): learned absolute positions (a table of n_positions rows, read
/// as position_encoding learned), LayerNorm, a gelu_new MLP, the head tied to wte (tie_word_embeddings absent true).
/// The attention variants GPT2Attention offers beyond the standard one are refused by name.
/// </summary>
public static class Gpt2ConfigReader
{
    private const ConfigFieldUse Honoured = ConfigFieldUse.Honoured, Ignored = ConfigFieldUse.Ignored;

    /// <summary>The MLP activations the runtime's GPT-2 implements (transformers' ACT2FN names).</summary>
    public static readonly string[] Activations = ["gelu_new", "gelu", "gelu_pytorch_tanh"];

    /// <summary>Every top-level field of a gpt2 config.json the reader knows; any other is refused, naming it.</summary>
    public static readonly IReadOnlyList<ConfigField> Fields =
    [
        new("model_type", Honoured, "ModelType: gpt2"),
        new("vocab_size", Honoured, "VocabSize"),
        new("n_embd", Honoured, "HiddenSize"),
        new("n_head", Honoured, "NumAttentionHeads (head size n_embd / n_head)"),
        new("n_layer", Honoured, "NumHiddenLayers"),
        new("n_inner", Honoured, "IntermediateSize (absent or null: 4 x n_embd)"),
        new("n_positions", Honoured, "MaxPositionEmbeddings: rows of wpe, and L0"),
        new("activation_function", Honoured, "HiddenAct: gelu_new, gelu or gelu_pytorch_tanh (absent: gelu_new)"),
        new("layer_norm_epsilon", Honoured, "RmsNormEps: LayerNorm's epsilon (absent: 1e-5)"),
        new("scale_attn_weights", Honoured, "must be true: scores are divided by sqrt(head size)"),
        new("scale_attn_by_inverse_layer_idx", Honoured, "must be false: no per-layer score scaling"),
        new("reorder_and_upcast_attn", Honoured, "must be false: the standard attention computation"),
        new("add_cross_attention", Honoured, "must be false: a decoder without cross-attention"),
        new("tie_word_embeddings", Honoured, "TieWordEmbeddings: lm_head is wte (absent: true)"),
        new("bos_token_id", Honoured, "BosTokenId"),
        new("eos_token_id", Honoured, "EosTokenIds"),
        new("torch_dtype", Honoured, "TorchDtype (cost estimates)"),
        new("dtype", Honoured, "TorchDtype, transformers 5's name"),
        .. ModelConfigReader.Metadata,
        new("n_ctx", Ignored, "unused"),
        new("resid_pdrop", Ignored, "training"),
        new("embd_pdrop", Ignored, "training"),
        new("attn_pdrop", Ignored, "training"),
        new("summary_type", Ignored, "classification"),
        new("summary_use_proj", Ignored, "classification"),
        new("summary_activation", Ignored, "classification"),
        new("summary_proj_to_labels", Ignored, "classification"),
        new("summary_first_dropout", Ignored, "classification"),
        new("task_specific_params", Ignored, "generation"),
    ];

    internal static ModelConfig Parse(string path, JsonObject json, FieldReader f)
    {
        string act = f.OneOf("activation_function", "gelu_new", Activations, "the runtime's GPT-2 MLP (c_fc, act, c_proj)");
        f.Must("scale_attn_weights", true, "the runtime's GPT-2 attention always divides scores by sqrt(head size).");
        f.Must("scale_attn_by_inverse_layer_idx", false, "the runtime's GPT-2 attention does not scale scores by 1 / (layer + 1).");
        f.Must("reorder_and_upcast_attn", false, "the runtime's GPT-2 attention computes scores in the model's dtype, not reordered and upcast.");
        f.Must("add_cross_attention", false, "the runtime's GPT-2 is a decoder without cross-attention.");
        int hidden = f.Positive("n_embd", f.Int("n_embd") ?? throw f.Missing("n_embd"));
        int heads = f.Positive("n_head", f.Int("n_head") ?? throw f.Missing("n_head"));
        if (hidden % heads != 0)
            throw new ModelConfigException($"{path}: n_embd {hidden} is not divisible by n_head {heads} (GPT-2's head size is their quotient).");

        return new ModelConfig(
            ModelType: "gpt2",
            VocabSize: f.Positive("vocab_size", f.Int("vocab_size") ?? throw f.Missing("vocab_size")),
            HiddenSize: hidden,
            NumHiddenLayers: f.Positive("n_layer", f.Int("n_layer") ?? throw f.Missing("n_layer")),
            NumAttentionHeads: heads,
            NumKeyValueHeads: heads,
            HeadDim: hidden / heads,
            IntermediateSize: f.Positive("n_inner", f.Int("n_inner") ?? 4 * hidden),
            RmsNormEps: f.Positive("layer_norm_epsilon", f.Double("layer_norm_epsilon") ?? 1e-5),
            RopeTheta: 10000.0,
            MaxPositionEmbeddings: f.Positive("n_positions", f.Int("n_positions") ?? throw f.Missing("n_positions")),
            OriginalMaxPositionEmbeddings: null,
            TieWordEmbeddings: f.Bool("tie_word_embeddings") ?? true,
            AttentionBias: true,
            PositionEncoding: "learned",
            BosTokenId: f.Int("bos_token_id"),
            EosTokenIds: f.IntList("eos_token_id"),
            SlidingWindow: null,
            TorchDtype: f.String("torch_dtype") ?? f.String("dtype"),
            CarriedStrategy: null,
            HiddenAct: act);
    }
}
