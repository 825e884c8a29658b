using System.Text.Json.Nodes;

namespace Eval.Core.Models;

/// <summary>
/// config.json of model_type phi3 (Phi-3, Phi-3.5, Phi-4-mini), in transformers' Phi3Config field names: a Llama-like
/// decoder with fused projections, RMSNorm, SiLU-gated MLP, optionally partial rotary (partial_rotary_factor), a sliding
/// window on every layer when sliding_window is set, and LongRoPE through rope_scaling (type longrope, short_factor,
/// long_factor) with original_max_position_embeddings at the top level as L0.
/// </summary>
public static class Phi3ConfigReader
{
    private const ConfigFieldUse Honoured = ConfigFieldUse.Honoured, Ignored = ConfigFieldUse.Ignored;

    /// <summary>Every top-level field of a phi3 config.json the reader knows; any other is refused, naming it.</summary>
    public static readonly IReadOnlyList<ConfigField> Fields =
    [
        new("model_type", Honoured, "ModelType: phi3"),
        new("vocab_size", Honoured, "VocabSize"),
        new("hidden_size", Honoured, "HiddenSize"),
        new("num_hidden_layers", Honoured, "NumHiddenLayers"),
        new("num_attention_heads", Honoured, "NumAttentionHeads"),
        new("num_key_value_heads", Honoured, "NumKeyValueHeads (absent: num_attention_heads)"),
        new("head_dim", Honoured, "HeadDim (absent: hidden_size / num_attention_heads)"),
        new("intermediate_size", Honoured, "IntermediateSize (gate_up_proj holds two of it)"),
        new("hidden_act", Honoured, "must be silu: the MLP is SiLU-gated"),
        new("rms_norm_eps", Honoured, "RmsNormEps"),
        new("rope_theta", Honoured, "RopeTheta"),
        new("rope_scaling", Honoured, "CarriedStrategy (longrope: factor max_position_embeddings / original_max_position_embeddings, as transformers)"),
        new("partial_rotary_factor", Honoured, "RotaryDims = head_dim x partial_rotary_factor (absent: 1)"),
        new("max_position_embeddings", Honoured, "MaxPositionEmbeddings (L0 without an original length)"),
        new("original_max_position_embeddings", Honoured, "OriginalMaxPositionEmbeddings (L0)"),
        new("sliding_window", Honoured, "SlidingWindow on every layer (absent or null: none)"),
        new("tie_word_embeddings", Honoured, "TieWordEmbeddings"),
        new("bos_token_id", Honoured, "BosTokenId"),
        new("eos_token_id", Honoured, "EosTokenIds"),
        new("torch_dtype", Honoured, "TorchDtype (cost estimates)"),
        new("dtype", Honoured, "TorchDtype, transformers 5's name"),
        .. ModelConfigReader.Metadata,
        new("auto_map", Ignored, "metadata"),
        new("attention_dropout", Ignored, "training"),
        new("resid_pdrop", Ignored, "training"),
        new("embd_pdrop", Ignored, "training"),
    ];

    internal static ModelConfig Parse(string path, JsonObject json, FieldReader f)
    {
        if (f.String("hidden_act") is string act && act != "silu")
            throw new ModelConfigException($"{path}: field \"hidden_act\" is \"{act}\"; it is not honoured: the runtime's Phi-3 MLP is SiLU-gated (silu) only.");
        int hidden = f.Positive("hidden_size", f.Int("hidden_size") ?? throw f.Missing("hidden_size"));
        int heads = f.Positive("num_attention_heads", f.Int("num_attention_heads") ?? throw f.Missing("num_attention_heads"));
        if (hidden % heads != 0 && f.Int("head_dim") is null)
            throw new ModelConfigException($"{path}: hidden_size {hidden} is not divisible by num_attention_heads {heads} and no head_dim is given.");
        int headDim = f.Positive("head_dim", f.Int("head_dim") ?? hidden / heads);
        int kvHeads = f.Positive("num_key_value_heads", f.Int("num_key_value_heads") ?? heads);
        if (heads % kvHeads != 0)
            throw new ModelConfigException($"{path}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}.");
        double fraction = f.Double("partial_rotary_factor") ?? 1.0;
        if (!(fraction > 0 && fraction <= 1))
            throw new ModelConfigException($"{path}: field \"partial_rotary_factor\" is {fraction}; expected a fraction of the head above 0 and at most 1.");
        int rotary = (int)(headDim * fraction);   // transformers: int(head_dim * partial_rotary_factor)
        if (rotary < 2 || rotary % 2 != 0)
            throw new ModelConfigException($"{path}: field \"partial_rotary_factor\" {fraction} of head_dim {headDim} rotates {rotary} dimensions; RoPE needs an even number, at least 2.");
        int max = f.Positive("max_position_embeddings", f.Int("max_position_embeddings") ?? throw f.Missing("max_position_embeddings"));
        int? original = f.Int("original_max_position_embeddings") is int o ? f.Positive("original_max_position_embeddings", o) : null;

        return new ModelConfig(
            ModelType: "phi3",
            VocabSize: f.Positive("vocab_size", f.Int("vocab_size") ?? throw f.Missing("vocab_size")),
            HiddenSize: hidden,
            NumHiddenLayers: f.Positive("num_hidden_layers", f.Int("num_hidden_layers") ?? throw f.Missing("num_hidden_layers")),
            NumAttentionHeads: heads,
            NumKeyValueHeads: kvHeads,
            HeadDim: headDim,
            IntermediateSize: f.Positive("intermediate_size", f.Int("intermediate_size") ?? throw f.Missing("intermediate_size")),
            RmsNormEps: f.Positive("rms_norm_eps", f.Double("rms_norm_eps") ?? 1e-5),
            RopeTheta: f.Positive("rope_theta", f.Double("rope_theta") ?? 10000.0),
            MaxPositionEmbeddings: max,
            OriginalMaxPositionEmbeddings: original,
            TieWordEmbeddings: f.Bool("tie_word_embeddings") ?? false,
            AttentionBias: false,
            PositionEncoding: "rope",
            BosTokenId: f.Int("bos_token_id"),
            EosTokenIds: f.IntList("eos_token_id"),
            SlidingWindow: f.Int("sliding_window") is int w ? f.Positive("sliding_window", w) : null,
            TorchDtype: f.String("torch_dtype") ?? f.String("dtype"),
            CarriedStrategy: json["rope_scaling"] is JsonObject scaling ? Carried(path, scaling, max, original) : null,
            RotaryDims: rotary);
    }

    /// <summary>
    /// Phi-3's LongRoPE factor is max_position_embeddings / original_max_position_embeddings: transformers'
    /// _compute_longrope_parameters takes that ratio whenever the config has an original length (a fixed figure, so the
    /// attention factor sqrt(1 + ln s / ln L0) does not move with the window), and so does the strategy carried here. A
    /// rope_scaling factor that says otherwise would be ignored by transformers, so it is refused rather than dropped.
    /// </summary>
    private static Eval.Core.Positional.StrategySpec? Carried(string path, JsonObject scaling, int max, int? original)
    {
        var block = scaling.DeepClone().AsObject();
        string? type = (block["rope_type"] ?? block["type"])?.GetValue<string>();
        if (type == "longrope" && original is int l0)
        {
            double ratio = max / (double)l0;
            if (block["factor"] is JsonNode stated && stated.GetValue<double>() != ratio)
                throw new ModelConfigException($"{path}: field \"rope_scaling\" states factor {stated.ToJsonString()}; it is not honoured: transformers' Phi-3 LongRoPE uses " +
                    $"max_position_embeddings / original_max_position_embeddings = {max} / {l0} whatever the block says; remove the factor or make it {ratio.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
            block["factor"] = JsonValue.Create(ratio);
        }
        return ModelConfigReader.CarriedStrategy(path, block);
    }
}
