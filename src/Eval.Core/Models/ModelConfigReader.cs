using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Eval.Core.Positional;
using Eval.Core.Validation;

namespace Eval.Core.Models;

/// <summary>What the reader does with a top-level config.json field (<see cref="ModelConfigReader.FieldsOf"/>).</summary>
public enum ConfigFieldUse
{
    /// <summary>Read into <see cref="ModelConfig"/> and acted on, or checked against the one value the runtime implements.</summary>
    Honoured,

    /// <summary>Read by nobody: it cannot change what evaluation computes.</summary>
    Ignored,
}

/// <summary>
/// A top-level config.json field the reader knows: honoured (what it sets) or ignored (a one-word reason), for every
/// model type or only those listed (another type's config naming it is refused: that type's transformers class ignores it).
/// </summary>
public sealed record ConfigField(string Name, ConfigFieldUse Use, string Reason, string[]? ModelTypes = null)
{
    public bool AppliesTo(string modelType) => ModelTypes is null || ModelTypes.Contains(modelType);
}

/// <summary>
/// Reads and writes config.json. Missing or mistyped fields are errors naming the file, the field and what
/// was expected; a rope_scaling (or rope_parameters) block becomes the <see cref="ModelConfig.CarriedStrategy"/>.
/// Every top-level field is one of its family's table (<see cref="FieldsOf"/>: llama, mistral and qwen2 share <see cref="Fields"/>): honoured, or ignored for a stated reason. Any other field, or
/// a value the runtime does not implement (hidden_act other than silu, mlp_bias true, ...), is an error naming the
/// field: a field the runtime does not honour is never silently dropped.
/// </summary>
public static class ModelConfigReader
{
    private const ConfigFieldUse Honoured = ConfigFieldUse.Honoured, Ignored = ConfigFieldUse.Ignored;

    /// <summary>transformers' defaults where a config.json leaves a sliding-window field out (MistralConfig, Qwen2Config).</summary>
    public const int DefaultSlidingWindow = 4096, DefaultQwen2MaxWindowLayers = 28;

    /// <summary>
    /// Fields every family's config.json may carry that cannot change what evaluation computes (each family's table
    /// lists them beside its own).
    /// </summary>
    internal static readonly IReadOnlyList<ConfigField> Metadata =
    [
        new("architectures", Ignored, "metadata"),
        new("transformers_version", Ignored, "metadata"),
        new("_name_or_path", Ignored, "metadata"),
        new("use_cache", Ignored, "inference"),
        new("initializer_range", Ignored, "initialisation"),
        new("pad_token_id", Ignored, "unpadded"),
    ];

    /// <summary>Every top-level field of a llama, mistral or qwen2 config.json the reader knows; any other is refused, naming it.</summary>
    public static readonly IReadOnlyList<ConfigField> Fields =
    [
        new("model_type", Honoured, "ModelType: llama, mistral or qwen2"),
        new("vocab_size", Honoured, "VocabSize"),
        new("hidden_size", Honoured, "HiddenSize"),
        new("num_hidden_layers", Honoured, "NumHiddenLayers"),
        new("num_attention_heads", Honoured, "NumAttentionHeads"),
        new("num_key_value_heads", Honoured, "NumKeyValueHeads (absent: num_attention_heads)"),
        new("head_dim", Honoured, "HeadDim (absent: hidden_size / num_attention_heads)"),
        new("intermediate_size", Honoured, "IntermediateSize"),
        new("hidden_act", Honoured, "must be silu: the MLP is SiLU-gated"),
        new("mlp_bias", Honoured, "must be false: the MLP has no biases"),
        new("rms_norm_eps", Honoured, "RmsNormEps"),
        new("rope_theta", Honoured, "RopeTheta"),
        new("rope_scaling", Honoured, "CarriedStrategy and original length"),
        new("rope_parameters", Honoured, "transformers 5's rope_scaling, with rope_theta"),
        new("rope_interleaved", Honoured, "must be false: rotate-half layout (SmolLM's exports carry it)"),
        new("max_position_embeddings", Honoured, "MaxPositionEmbeddings (L0 without an original length)"),
        new("original_max_position_embeddings", Honoured, "OriginalMaxPositionEmbeddings (L0)"),
        new("tie_word_embeddings", Honoured, "TieWordEmbeddings"),
        new("attention_bias", Honoured, "AttentionBias (absent: true for qwen2)"),
        new("position_encoding", Honoured, "PositionEncoding (this harness's own key)"),
        new("bos_token_id", Honoured, "BosTokenId"),
        new("eos_token_id", Honoured, "EosTokenIds"),
        new("torch_dtype", Honoured, "TorchDtype (cost estimates)"),
        new("dtype", Honoured, "TorchDtype, transformers 5's name"),
        new("sliding_window", Honoured, "SlidingWindow (mistral: every layer, absent: 4096; qwen2: with use_sliding_window)"),
        new("use_sliding_window", Honoured, "false: no window (transformers' Qwen2)", ["qwen2"]),
        new("max_window_layers", Honoured, "FirstWindowLayer: the layers before it attend fully (absent: 28)", ["qwen2"]),
        new("layer_types", Honoured, "FirstWindowLayer: full_attention layers, then sliding_attention ones", ["qwen2"]),
        .. Metadata,
        new("is_llama_config", Ignored, "metadata"),
        new("attention_dropout", Ignored, "training"),
        new("pretraining_tp", Ignored, "equivalent"),
    ];

    /// <summary>A family's own config.json reader: its field table and its parse into <see cref="ModelConfig"/>.</summary>
    private sealed record FamilyReader(string ModelType, Func<IReadOnlyList<ConfigField>> Fields, Func<string, JsonObject, FieldReader, ModelConfig> Parse);

    /// <summary>
    /// The families read in their own field names, one line each (llama, mistral and qwen2 share <see cref="Fields"/> and
    /// the reader below). Tables are reached through a function: they list <see cref="Metadata"/>, which must exist first.
    /// </summary>
    private static readonly FamilyReader[] FamilyReaders =
    [
        new("gpt_neox", () => GptNeoXConfigReader.Fields, GptNeoXConfigReader.Parse),
        new("gpt2", () => Gpt2ConfigReader.Fields, Gpt2ConfigReader.Parse),
        new("phi3", () => Phi3ConfigReader.Fields, Phi3ConfigReader.Parse),
        new("bloom", () => BloomConfigReader.Fields, BloomConfigReader.Parse),
    ];

    /// <summary>The model types whose config.json this reader reads (<see cref="ModelConfig.SupportedModelTypes"/>).</summary>
    public static readonly IReadOnlyList<string> ModelTypes = ["llama", "mistral", "qwen2", .. FamilyReaders.Select(r => r.ModelType)];

    /// <summary>The field table of a model_type's family (the llama table for llama, mistral and qwen2).</summary>
    public static IReadOnlyList<ConfigField> FieldsOf(string modelType) =>
        FamilyReaders.FirstOrDefault(r => r.ModelType == modelType)?.Fields() ?? Fields;

    /// <summary>The honoured fields by name.</summary>
    public static IEnumerable<string> HonouredFields => Fields.Where(f => f.Use == Honoured).Select(f => f.Name);

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
        var f = new FieldReader(path, json);
        string modelType = f.String("model_type") ?? throw f.Missing("model_type");
        if (!ModelConfig.SupportedModelTypes.Contains(modelType))
            throw new ModelConfigException($"{path}: model_type \"{modelType}\" is not supported. Supported: " +
                $"{string.Join(", ", ModelConfig.SupportedModelTypes)}.{DidYouMean.Hint(modelType, ModelConfig.SupportedModelTypes)}");
        CheckFieldsKnown(path, json, modelType, FieldsOf(modelType));
        if (FamilyReaders.FirstOrDefault(r => r.ModelType == modelType) is { } family) return family.Parse(path, json, f);
        if (f.String("hidden_act") is string act && act != "silu")
            throw new ModelConfigException($"{path}: field \"hidden_act\" is \"{act}\"; it is not honoured: the runtime's MLP is SiLU-gated (silu) only.");
        if (f.Bool("mlp_bias") == true)
            throw new ModelConfigException($"{path}: field \"mlp_bias\" is true; it is not honoured: the runtime's MLP projections have no biases.");
        if (f.Bool("rope_interleaved") == true)
            throw new ModelConfigException($"{path}: field \"rope_interleaved\" is true; it is not honoured: the runtime rotates in the rotate-half layout of HF checkpoints.");
        int hidden = f.Positive("hidden_size", f.Int("hidden_size") ?? throw f.Missing("hidden_size"));
        int heads = f.Positive("num_attention_heads", f.Int("num_attention_heads") ?? throw f.Missing("num_attention_heads"));
        string encoding = f.String("position_encoding") ?? "rope";
        if (!ModelConfig.PositionEncodings.Contains(encoding))
            throw new ModelConfigException($"{path}: position_encoding \"{encoding}\" is not valid. Valid: {string.Join(", ", ModelConfig.PositionEncodings)}.");
        if (json["rope_scaling"] is JsonObject legacy && json["rope_parameters"] is JsonObject current && !JsonNode.DeepEquals(legacy, current))
            throw new ModelConfigException($"{path}: fields \"rope_scaling\" and \"rope_parameters\" both describe RoPE and differ; only one would be honoured (rope_scaling), so keep one.");
        var scaling = json["rope_scaling"] as JsonObject ?? json["rope_parameters"] as JsonObject;
        int? original = scaling?["original_max_position_embeddings"] is { } o ? f.IntOf("rope_scaling.original_max_position_embeddings", o)
            : f.Int("original_max_position_embeddings");
        double theta = f.Positive("rope_theta", f.Double("rope_theta") ?? (scaling?["rope_theta"] is { } t ? f.DoubleOf("rope_parameters.rope_theta", t) : 10000.0));
        if (original is { } originalLength) f.Positive("original_max_position_embeddings", originalLength);

        int layers = f.Positive("num_hidden_layers", f.Int("num_hidden_layers") ?? throw f.Missing("num_hidden_layers"));
        var (slidingWindow, firstWindowLayer) = Window(path, json, f, modelType, layers);
        if (encoding == "hwfa" && slidingWindow is null)
            throw new ModelConfigException($"{path}: position_encoding \"hwfa\" needs sliding_window, the window of every layer but the last (a mistral config.json).");

        var config = new ModelConfig(
            ModelType: modelType,
            VocabSize: f.Positive("vocab_size", f.Int("vocab_size") ?? throw f.Missing("vocab_size")),
            HiddenSize: hidden,
            NumHiddenLayers: layers,
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
            SlidingWindow: slidingWindow,
            TorchDtype: f.String("torch_dtype") ?? f.String("dtype"),
            CarriedStrategy: scaling is null ? null : CarriedStrategy(path, scaling),
            FirstWindowLayer: firstWindowLayer);
        if (config.HiddenSize % heads != 0 && f.Int("head_dim") is null)
            throw new ModelConfigException($"{path}: hidden_size {hidden} is not divisible by num_attention_heads {heads} and no head_dim is given.");
        if (config.NumAttentionHeads % config.NumKeyValueHeads != 0)
            throw new ModelConfigException($"{path}: num_attention_heads {heads} is not a multiple of num_key_value_heads {config.NumKeyValueHeads}.");
        return config;
    }

    /// <summary>Refuses a field outside the family's table, or one that <paramref name="modelType"/>'s transformers class ignores.</summary>
    private static void CheckFieldsKnown(string path, JsonObject json, string modelType, IReadOnlyList<ConfigField> fields)
    {
        foreach (string name in json.Select(p => p.Key))
        {
            var known = fields.FirstOrDefault(k => k.Name == name);
            if (known is null)
                throw new ModelConfigException($"{path}: field \"{name}\" is not honoured for model_type {modelType}: the runtime does not implement it, and it is not " +
                    $"one the harness knows to be safe to ignore.{DidYouMean.Hint(name, fields.Select(k => k.Name))} Fields read: {string.Join(", ", fields.Select(k => k.Name))}.");
            if (!known.AppliesTo(modelType))
                throw new ModelConfigException($"{path}: field \"{name}\" is not honoured for model_type {modelType}: it is a field of " +
                    $"{string.Join(", ", known.ModelTypes!)} configs, which transformers' {modelType} model ignores; remove it, or set the model_type it belongs to.");
        }
    }

    /// <summary>
    /// The sliding window and the first layer it applies to, as transformers applies them: Mistral windows every layer
    /// with sliding_window (absent: MistralConfig's 4096; null: none); Qwen2 only with use_sliding_window true (else
    /// Qwen2Config sets sliding_window to None), and only layers i &gt;= max_window_layers, or those layer_types names
    /// sliding_attention (Qwen2Config.__post_init__). Llama has no window: a non-null sliding_window is refused.
    /// No layer windowed reads as (null, 0).
    /// </summary>
    private static (int? Window, int FirstLayer) Window(string path, JsonObject json, FieldReader f, string modelType, int layers)
    {
        int? window = f.Int("sliding_window") is int w ? f.Positive("sliding_window", w) : null;
        switch (modelType)
        {
            case "mistral":
                return (json.ContainsKey("sliding_window") ? window : DefaultSlidingWindow, 0);
            case "qwen2":
                if (f.Bool("use_sliding_window") != true) window = null;
                else if (!json.ContainsKey("sliding_window")) window = DefaultSlidingWindow;
                int first = f.Int("max_window_layers") ?? DefaultQwen2MaxWindowLayers;
                if (first < 0) throw new ModelConfigException($"{path}: field \"max_window_layers\" is {first}; expected a whole number of 0 or more.");
                if (json["layer_types"] is JsonNode types) first = FirstSlidingLayer(path, types, layers, window);
                return window is null || first >= layers ? (null, 0) : (window, first);
            default:
                if (window is not null)
                    throw new ModelConfigException($"{path}: field \"sliding_window\" is {window} for model_type {modelType}; it is not honoured: " +
                        $"transformers' {modelType} model attends to every earlier token whatever it says. Set model_type mistral if the model was trained with the window, else remove it.");
                return (null, 0);
        }
    }

    /// <summary>Qwen2's layer_types: full_attention layers, then sliding_attention ones (the pattern max_window_layers makes); other orders are refused.</summary>
    private static int FirstSlidingLayer(string path, JsonNode node, int layers, int? window)
    {
        string[] types = node is JsonArray list && list.All(t => t?.GetValueKind() == JsonValueKind.String)
            ? list.Select(t => t!.GetValue<string>()).ToArray()
            : throw new ModelConfigException($"{path}: field \"layer_types\" is {node.ToJsonString()}; expected a list of \"full_attention\" or \"sliding_attention\", one per layer.");
        if (types.Length != layers)
            throw new ModelConfigException($"{path}: field \"layer_types\" has {types.Length} entries; num_hidden_layers is {layers}.");
        if (types.FirstOrDefault(t => t is not ("full_attention" or "sliding_attention")) is string other)
            throw new ModelConfigException($"{path}: field \"layer_types\" names \"{other}\"; it is not honoured: only full_attention and sliding_attention are.");
        int first = Array.IndexOf(types, "sliding_attention") is int i and >= 0 ? i : layers;
        if (types.Skip(first).Any(t => t == "full_attention"))
            throw new ModelConfigException($"{path}: field \"layer_types\" puts full_attention after sliding_attention layers; it is not honoured: " +
                "the runtime windows a contiguous run of last layers (Qwen2's max_window_layers pattern).");
        if (first < layers && window is null)
            throw new ModelConfigException($"{path}: field \"layer_types\" names sliding_attention layers, but there is no window (use_sliding_window is not true, " +
                "so transformers' Qwen2 sets sliding_window to None and refuses to build their mask).");
        return first;
    }

    /// <summary>The strategy spec equivalent to a config's rope_scaling block (e.g. llama3 with its factors).</summary>
    internal static StrategySpec? CarriedStrategy(string path, JsonObject scaling)
    {
        string? type = (scaling["rope_type"] ?? scaling["type"])?.GetValue<string>();
        if (type is null or "default") return null;
        var supported = StrategyRegistry.Descriptors.Where(d => d.Config is RopeScalingForm).Select(d => d.Name).ToList();
        var keys = StrategyRegistry.Descriptors.FirstOrDefault(d => d.Name == type)?.Config is RopeScalingForm form ? form.Keys
            : throw new ModelConfigException($"{path}: rope_scaling type \"{type}\" is not supported. Supported: {string.Join(", ", supported)}.");
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
        if (c.ModelType is not ("llama" or "mistral" or "qwen2"))
            throw new ModelConfigException($"{path}: the harness writes llama, mistral and qwen2 config.json files (the zoo's and tuned models'), not model_type {c.ModelType}.");
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(c.ModelType switch { "mistral" => "MistralForCausalLM", "qwen2" => "Qwen2ForCausalLM", _ => "LlamaForCausalLM" }),
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
        switch (c.ModelType)
        {
            case "mistral" when c.FirstWindowLayer == 0:
                json["sliding_window"] = c.SlidingWindow;
                break;
            case "qwen2":
                json["use_sliding_window"] = c.SlidingWindow is not null;
                json["sliding_window"] = c.SlidingWindow;
                json["max_window_layers"] = c.FirstWindowLayer;
                break;
            default:
                if (c.SlidingWindow is not null)
                    throw new ModelConfigException($"{path}: a {c.ModelType} config.json cannot carry a sliding window of {c.SlidingWindow} from layer {c.FirstWindowLayer} " +
                        "(mistral windows every layer, qwen2 the last ones): it would read back without it.");
                break;
        }
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
}
