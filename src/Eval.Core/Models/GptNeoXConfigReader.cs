using System.Text.Json.Nodes;

namespace Eval.Core.Models;

/// <summary>
/// config.json of model_type gpt_neox (Pythia, GPT-NeoX-20B), in transformers' GPTNeoXConfig field names: LayerNorm
/// (layer_norm_eps), a partial rotary (rotary_pct, or its rename partial_rotary_factor; absent 0.25) with base
/// rotary_emb_base (or rope_theta; absent 10,000), use_parallel_residual (absent true), biased attention (attention_bias,
/// absent true), a gelu MLP, an untied embed_out (tie_word_embeddings absent false).
/// </summary>
public static class GptNeoXConfigReader
{
    private const ConfigFieldUse Honoured = ConfigFieldUse.Honoured, Ignored = ConfigFieldUse.Ignored;

    /// <summary>The MLP activations the runtime's GPT-NeoX implements (transformers' ACT2FN names).</summary>
    public static readonly string[] Activations = ["gelu", "gelu_new", "gelu_pytorch_tanh"];

    /// <summary>Every top-level field of a gpt_neox config.json the reader knows; any other is refused, naming it.</summary>
    public static readonly IReadOnlyList<ConfigField> Fields =
    [
        new("model_type", Honoured, "ModelType: gpt_neox"),
        new("vocab_size", Honoured, "VocabSize"),
        new("hidden_size", Honoured, "HiddenSize"),
        new("num_hidden_layers", Honoured, "NumHiddenLayers"),
        new("num_attention_heads", Honoured, "NumAttentionHeads (head size hidden_size / heads)"),
        new("intermediate_size", Honoured, "IntermediateSize (dense_h_to_4h)"),
        new("hidden_act", Honoured, "HiddenAct: gelu, gelu_new or gelu_pytorch_tanh (absent: gelu)"),
        new("rotary_pct", Honoured, "RotaryDims = head size x rotary_pct (absent: 0.25)"),
        new("partial_rotary_factor", Honoured, "RotaryDims, rotary_pct's newer name"),
        new("rotary_emb_base", Honoured, "RopeTheta (absent: 10000)"),
        new("rope_theta", Honoured, "RopeTheta, rotary_emb_base's newer name"),
        new("rope_scaling", Honoured, "CarriedStrategy and original length"),
        new("rope_parameters", Honoured, "transformers 5's rope_scaling, with rope_theta and partial_rotary_factor"),
        new("max_position_embeddings", Honoured, "MaxPositionEmbeddings (L0)"),
        new("layer_norm_eps", Honoured, "RmsNormEps: LayerNorm's epsilon (absent: 1e-5)"),
        new("use_parallel_residual", Honoured, "ParallelResidual (absent: true)"),
        new("attention_bias", Honoured, "AttentionBias of query_key_value and dense (absent: true)"),
        new("tie_word_embeddings", Honoured, "TieWordEmbeddings: embed_out is embed_in (absent: false)"),
        new("bos_token_id", Honoured, "BosTokenId"),
        new("eos_token_id", Honoured, "EosTokenIds"),
        new("torch_dtype", Honoured, "TorchDtype (cost estimates)"),
        new("dtype", Honoured, "TorchDtype, transformers 5's name"),
        .. ModelConfigReader.Metadata,
        new("attention_dropout", Ignored, "training"),
        new("hidden_dropout", Ignored, "training"),
        new("classifier_dropout", Ignored, "classification"),
    ];

    internal static ModelConfig Parse(string path, JsonObject json, FieldReader f)
    {
        string act = f.OneOf("hidden_act", "gelu", Activations, "the runtime's GPT-NeoX MLP (dense_h_to_4h, act, dense_4h_to_h)");
        int hidden = f.Positive("hidden_size", f.Int("hidden_size") ?? throw f.Missing("hidden_size"));
        int heads = f.Positive("num_attention_heads", f.Int("num_attention_heads") ?? throw f.Missing("num_attention_heads"));
        if (hidden % heads != 0)
            throw new ModelConfigException($"{path}: hidden_size {hidden} is not divisible by num_attention_heads {heads} (GPT-NeoX's head size is their quotient).");
        int headDim = hidden / heads;

        if (json["rope_scaling"] is JsonObject legacy && json["rope_parameters"] is JsonObject current && !JsonNode.DeepEquals(legacy, current))
            throw new ModelConfigException($"{path}: fields \"rope_scaling\" and \"rope_parameters\" both describe RoPE and differ; only one would be honoured (rope_scaling), so keep one.");
        var scaling = json["rope_scaling"] as JsonObject ?? json["rope_parameters"] as JsonObject;
        double? Nested(string key) => scaling?[key] is { } n ? f.DoubleOf($"rope_parameters.{key}", n) : null;

        double pct = f.Either("rotary_pct", f.Double("rotary_pct"), "partial_rotary_factor",
            f.Either("partial_rotary_factor", f.Double("partial_rotary_factor"), "rope_parameters.partial_rotary_factor", Nested("partial_rotary_factor"))) ?? 0.25;
        if (!(pct > 0 && pct <= 1))
            throw new ModelConfigException($"{path}: field \"rotary_pct\" is {pct}; expected a fraction of the head above 0 and at most 1.");
        int rotary = (int)(headDim * pct);   // transformers: int(head_size * rotary_pct)
        if (rotary < 2 || rotary % 2 != 0)
            throw new ModelConfigException($"{path}: field \"rotary_pct\" {pct} of head size {headDim} rotates {rotary} dimensions; RoPE needs an even number, at least 2.");
        double theta = f.Positive("rotary_emb_base", f.Either("rotary_emb_base", f.Double("rotary_emb_base"), "rope_theta",
            f.Either("rope_theta", f.Double("rope_theta"), "rope_parameters.rope_theta", Nested("rope_theta"))) ?? 10000.0);
        int? original = scaling?["original_max_position_embeddings"] is { } o
            ? f.Positive("rope_scaling.original_max_position_embeddings", f.IntOf("rope_scaling.original_max_position_embeddings", o)) : null;
        int layers = f.Positive("num_hidden_layers", f.Int("num_hidden_layers") ?? throw f.Missing("num_hidden_layers"));

        return new ModelConfig(
            ModelType: "gpt_neox",
            VocabSize: f.Positive("vocab_size", f.Int("vocab_size") ?? throw f.Missing("vocab_size")),
            HiddenSize: hidden,
            NumHiddenLayers: layers,
            NumAttentionHeads: heads,
            NumKeyValueHeads: heads,
            HeadDim: headDim,
            IntermediateSize: f.Positive("intermediate_size", f.Int("intermediate_size") ?? throw f.Missing("intermediate_size")),
            RmsNormEps: f.Positive("layer_norm_eps", f.Double("layer_norm_eps") ?? 1e-5),
            RopeTheta: theta,
            MaxPositionEmbeddings: f.Positive("max_position_embeddings", f.Int("max_position_embeddings") ?? throw f.Missing("max_position_embeddings")),
            OriginalMaxPositionEmbeddings: original,
            TieWordEmbeddings: f.Bool("tie_word_embeddings") ?? false,
            AttentionBias: f.Bool("attention_bias") ?? true,
            PositionEncoding: "rope",
            BosTokenId: f.Int("bos_token_id"),
            EosTokenIds: f.IntList("eos_token_id"),
            SlidingWindow: null,
            TorchDtype: f.String("torch_dtype") ?? f.String("dtype"),
            CarriedStrategy: scaling is null ? null : ModelConfigReader.CarriedStrategy(path, scaling),
            HiddenAct: act,
            RotaryDims: rotary,
            ParallelResidual: f.Bool("use_parallel_residual") ?? true);
    }
}
