using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eval.Core.Positional;
using Eval.Core.Validation;

namespace Eval.Core.Models;

/// <summary>
/// Reads and writes config.json. Missing or mistyped fields are errors naming the file, the field and what
/// was expected; a rope_scaling (or rope_parameters) block becomes the <see cref="ModelConfig.CarriedStrategy"/>.
/// </summary>
public static class ModelConfigReader
{
    public static ModelConfig Read(string path)
    {
        if (!File.Exists(path)) throw new ModelConfigException($"{path}: file not found.");
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelConfigException($"{path}: not a JSON object."); }
        catch (JsonException e) { throw new ModelConfigException($"{path}: not valid JSON ({e.Message})."); }
        return Parse(path, json);
    }

    public static ModelConfig Parse(string path, JsonObject json)
    {
        var f = new Fields(path, json);
        string modelType = f.String("model_type") ?? throw f.Missing("model_type");
        if (!ModelConfig.SupportedModelTypes.Contains(modelType))
            throw new ModelConfigException($"{path}: model_type \"{modelType}\" is not supported. Supported: " +
                $"{string.Join(", ", ModelConfig.SupportedModelTypes)}.{DidYouMean.Hint(modelType, ModelConfig.SupportedModelTypes)}");
        int hidden = f.Positive("hidden_size", f.Int("hidden_size") ?? throw f.Missing("hidden_size"));
        int heads = f.Positive("num_attention_heads", f.Int("num_attention_heads") ?? throw f.Missing("num_attention_heads"));
        string encoding = f.String("position_encoding") ?? "rope";
        if (!ModelConfig.PositionEncodings.Contains(encoding))
            throw new ModelConfigException($"{path}: position_encoding \"{encoding}\" is not valid. Valid: {string.Join(", ", ModelConfig.PositionEncodings)}.");
        var scaling = json["rope_scaling"] as JsonObject ?? json["rope_parameters"] as JsonObject;
        int? original = scaling?["original_max_position_embeddings"] is { } o ? f.IntOf("rope_scaling.original_max_position_embeddings", o)
            : f.Int("original_max_position_embeddings");
        double theta = f.Positive("rope_theta", f.Double("rope_theta") ?? (scaling?["rope_theta"] is { } t ? f.DoubleOf("rope_parameters.rope_theta", t) : 10000.0));
        if (original is { } originalLength) f.Positive("original_max_position_embeddings", originalLength);

        var config = new ModelConfig(
            ModelType: modelType,
            VocabSize: f.Positive("vocab_size", f.Int("vocab_size") ?? throw f.Missing("vocab_size")),
            HiddenSize: hidden,
            NumHiddenLayers: f.Positive("num_hidden_layers", f.Int("num_hidden_layers") ?? throw f.Missing("num_hidden_layers")),
            NumAttentionHeads: heads,
            NumKeyValueHeads: f.Positive("num_key_value_heads", f.Int("num_key_value_heads") ?? heads),
            HeadDim: f.Positive("head_dim", f.Int("head_dim") ?? hidden / heads),
            IntermediateSize: f.Positive("intermediate_size", f.Int("intermediate_size") ?? throw f.Missing("intermediate_size")),
            RmsNormEps: f.Positive("rms_norm_eps", f.Double("rms_norm_eps") ?? 1e-6),
            RopeTheta: theta,
            MaxPositionEmbeddings: f.Positive("max_position_embeddings", f.Int("max_position_embeddings") ?? throw f.Missing("max_position_embeddings")),
            OriginalMaxPositionEmbeddings: original,
            TieWordEmbeddings: f.Bool("tie_word_embeddings") ?? false,
            AttentionBias: f.Bool("attention_bias") ?? modelType == "qwen2",
            PositionEncoding: encoding,
            BosTokenId: f.Int("bos_token_id"),
            EosTokenIds: f.IntList("eos_token_id"),
            SlidingWindow: f.Int("sliding_window"),
            TorchDtype: f.String("torch_dtype") ?? f.String("dtype"),
            CarriedStrategy: scaling is null ? null : CarriedStrategy(path, scaling));
        if (config.HiddenSize % heads != 0 && f.Int("head_dim") is null)
            throw new ModelConfigException($"{path}: hidden_size {hidden} is not divisible by num_attention_heads {heads} and no head_dim is given.");
        if (config.NumAttentionHeads % config.NumKeyValueHeads != 0)
            throw new ModelConfigException($"{path}: num_attention_heads {heads} is not a multiple of num_key_value_heads {config.NumKeyValueHeads}.");
        return config;
    }

    /// <summary>The strategy spec equivalent to a config's rope_scaling block (e.g. llama3 with its factors).</summary>
    private static StrategySpec? CarriedStrategy(string path, JsonObject scaling)
    {
        string? type = (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>();
        if (type is null or "default") return null;
        string[] keys = type switch
        {
            "linear" or "dynamic" => ["factor"],
            "yarn" => ["factor", "beta_fast", "beta_slow", "attention_factor", "mscale", "mscale_all_dim", "truncate"],
            "llama3" => ["factor", "low_freq_factor", "high_freq_factor"],
            "longrope" => ["factor", "short_factor", "long_factor", "attention_factor"],
            _ => throw new ModelConfigException($"{path}: rope_scaling type \"{type}\" is not supported. Supported: linear, dynamic, yarn, llama3, longrope."),
        };
        var parameters = new Dictionary<string, string>();
        foreach (string key in keys)
        {
            if (scaling[key] is not { } node) continue;
            parameters[key] = node is JsonArray list
                ? string.Join("|", list.Select(x => x!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)))
                : node.GetValueKind() == JsonValueKind.Number
                    ? node.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)
                    : node.ToString().ToLowerInvariant();
        }
        return StrategySpec.Create(type, parameters);
    }

    /// <summary>Writes a config.json for the zoo's own checkpoints, in HF's field names.</summary>
    public static void Write(string path, ModelConfig c)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = c.ModelType,
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.HiddenSize,
            ["num_hidden_layers"] = c.NumHiddenLayers,
            ["num_attention_heads"] = c.NumAttentionHeads,
            ["num_key_value_heads"] = c.NumKeyValueHeads,
            ["head_dim"] = c.HeadDim,
            ["intermediate_size"] = c.IntermediateSize,
            ["rms_norm_eps"] = c.RmsNormEps,
            ["rope_theta"] = c.RopeTheta,
            ["max_position_embeddings"] = c.MaxPositionEmbeddings,
            ["tie_word_embeddings"] = c.TieWordEmbeddings,
            ["attention_bias"] = c.AttentionBias,
            ["hidden_act"] = "silu",
            ["position_encoding"] = c.PositionEncoding,
            ["bos_token_id"] = c.BosTokenId,
            ["eos_token_id"] = c.EosTokenIds.Length == 1 ? c.EosTokenIds[0] : new JsonArray(c.EosTokenIds.Select(i => (JsonNode)i).ToArray()),
            ["torch_dtype"] = c.TorchDtype,
        };
        if (c.CarriedStrategy is { } carried) json["rope_scaling"] = RopeScaling(carried, c.OriginalMaxPositionEmbeddings);
        // transformers' LongRoPE reads the original length at the config's top level (as Phi-3's config has it), not in rope_scaling.
        if (c.OriginalMaxPositionEmbeddings is int original && c.CarriedStrategy is null or { Name: "longrope" }) json["original_max_position_embeddings"] = original;
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// A carried strategy as transformers' rope_scaling block: rope_type and, for jquesnelle/yarn's modeling code (and
    /// transformers' backward compatibility), type; its parameters as JSON floats, booleans or lists (longrope's factors,
    /// kept as "a|b|c"); and the original length as an integer. <see cref="CarriedStrategy"/> reads it back.
    /// </summary>
    private static JsonObject RopeScaling(StrategySpec spec, int? originalLength)
    {
        var block = new JsonObject { ["type"] = spec.Name, ["rope_type"] = spec.Name };
        foreach (var (key, value) in spec.Parameters)
            block[key] = value.Contains('|') ? new JsonArray(value.Split('|').Select(Float).ToArray())
                : bool.TryParse(value, out bool flag) ? flag
                : Float(value);
        if (originalLength is int original) block["original_max_position_embeddings"] = original;
        return block;
    }

    /// <summary>
    /// A number written so that Python's json reads a float (4.0, not 4): transformers' rope validation warns, and
    /// jquesnelle/yarn's refuses the config, when factor (or another float field) comes back an int.
    /// </summary>
    private static JsonNode Float(string text)
    {
        string number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
        return JsonNode.Parse(number.IndexOfAny(['.', 'E', 'e']) >= 0 ? number : number + ".0")!;
    }

    private sealed class Fields(string path, JsonObject json)
    {
        public ModelConfigException Missing(string field) => new($"{path}: required field \"{field}\" is missing.");

        private ModelConfigException Wrong(string field, JsonNode node, string expected) =>
            new($"{path}: field \"{field}\" is {node.ToJsonString()}; expected {expected}.");

        public string? String(string field) => json[field] is { } n
            ? n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : throw Wrong(field, n, "a string")
            : null;

        /// <summary>
        /// Sizes, counts, theta and eps must be above zero (and finite): a zero head count divides by zero, a negative
        /// size allocates garbage, a negative eps makes every norm NaN. Refused here, once, for every caller.
        /// </summary>
        public int Positive(string field, int value) =>
            value > 0 ? value : throw new ModelConfigException($"{path}: field \"{field}\" is {value}; expected a whole number above 0.");

        public double Positive(string field, double value) =>
            value > 0 && double.IsFinite(value) ? value
                : throw new ModelConfigException($"{path}: field \"{field}\" is {value.ToString("R", CultureInfo.InvariantCulture)}; expected a finite number above 0.");

        public int? Int(string field) => json[field] is { } n ? IntOf(field, n) : null;

        public int IntOf(string field, JsonNode n) =>
            n.GetValueKind() == JsonValueKind.Number && n.GetValue<double>() is var d && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue
                ? (int)d : throw Wrong(field, n, "a whole number");

        public double? Double(string field) => json[field] is { } n ? DoubleOf(field, n) : null;

        public double DoubleOf(string field, JsonNode n) =>
            n.GetValueKind() == JsonValueKind.Number ? n.GetValue<double>() : throw Wrong(field, n, "a number");

        public bool? Bool(string field) => json[field] is { } n
            ? n.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? n.GetValue<bool>() : throw Wrong(field, n, "true or false")
            : null;

        public int[] IntList(string field) => json[field] switch
        {
            null => [],
            JsonArray list => list.Select(x => IntOf(field, x!)).ToArray(),
            var n => [IntOf(field, n)],
        };
    }
}
