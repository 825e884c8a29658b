using System.Globalization;
using Eval.Core.Positional;
using Eval.Core.Suites;
using Eval.Core.Validation;

namespace Eval.Core.Tuning;

/// <summary>
/// How to derive a model by fine-tuning another (PI, YaRN, "Scaling Laws of RoPE-based Extrapolation"): every weight
/// trains, with <see cref="Strategy"/> applied exactly as it will be at evaluation, on rows of <see cref="Length"/>
/// tokens, for <see cref="Steps"/> AdamW steps. The source is named by <see cref="From"/> but identified by its
/// fingerprint (see <see cref="CacheKey"/>), so the same weights under another folder reuse the same tuned model.
/// </summary>
/// <param name="Attention">Attention while training: full (causal), or s2 (LongLoRA's shifted sparse attention in groups of
/// <see cref="GroupSize"/> tokens, the shifted half of the heads grouped as <see cref="Shift"/> says). Evaluation is always full.</param>
public sealed record TuneRecipe(string From, IPositionalStrategy Strategy, int Length, int Steps, double LearningRate, int Batch, int Seed, int WarmupSteps,
    string Attention = "full", double GroupRatio = TuneRecipe.DefaultGroupRatio, string Shift = "segments",
    string Method = "full", int LoraRank = TuneRecipe.DefaultLoraRank, double LoraAlpha = TuneRecipe.DefaultLoraAlpha)
{
    /// <summary>Every key a recipe may have, in suites (<c>tune: { ... }</c>) and as `eval tune` options.</summary>
    public static readonly string[] Keys = ["from", "strategy", "length", "steps", "lr", "batch", "seed", "warmup", "attention", "group_ratio", "shift", "method", "lora_rank", "lora_alpha"];

    /// <summary>The methods' names (<see cref="TuningMethod.All"/>): what trains.</summary>
    public static readonly string[] Methods = TuningMethod.All.Select(m => m.Name).ToArray();
    public const int DefaultLoraRank = 8;
    public const double DefaultLoraAlpha = 16;

    public static readonly string[] Attentions = ["full", "s2"];
    public static readonly string[] Shifts = ["segments", "roll", "none"];
    public const double DefaultGroupRatio = 0.25;

    /// <summary>S2-Attn's group size G = group_ratio x length.</summary>
    public int GroupSize => (int)Math.Round(GroupRatio * Length);

    /// <summary>
    /// The strategies a model can be tuned with: those whose descriptor says how a config.json carries them (as
    /// rope_scaling or rope_theta, or nothing for the architecture's own encoding), so the tuned model loads as trained.
    /// Attention-level strategies (ReRoPE, Self-Extend) are evaluation-time tricks, and dynamic-yarn has no config form.
    /// </summary>
    public static IReadOnlyList<string> TunableStrategies => StrategyRegistry.TunableNames;

    public const double DefaultLearningRate = 3e-4;
    public const int DefaultBatch = 2;
    public const int DefaultWarmup = 20;
    public const int DefaultSeed = 1234;

    /// <summary>Ceilings that keep one tuning within a machine: a row of 1M tokens, 1M steps, 1M tokens per batch.</summary>
    public const int MaxLength = 1 << 20, MaxSteps = 1_000_000, MaxBatchTokens = 1 << 20;

    /// <summary>The recipe as one stable line (everything but the source's name): part of the tuned model's cache key.</summary>
    /// <remarks>Full attention adds nothing, so the keys of models tuned before S2-Attn existed stay the same.</remarks>
    public string Canonical => string.Create(CultureInfo.InvariantCulture,
        $"strategy={Strategy.Spec};length={Length};steps={Steps};lr={LearningRate:R};batch={Batch};seed={Seed};warmup={WarmupSteps}")
        + (Attention == "full" ? "" : string.Create(CultureInfo.InvariantCulture, $";attention={Attention};group_ratio={GroupRatio:R};shift={Shift}"))
        + (Method == "full" ? "" : string.Create(CultureInfo.InvariantCulture, $";method={Method};lora_rank={LoraRank};lora_alpha={LoraAlpha:R}"))
        + (TrainsEmbeddings ? ";head=frozen" : ""); // lora-plus trained a tied head before: its models are not reused

    /// <summary>The token embeddings train (lora-plus, lora+embed); the output head stays frozen, untied from them if tied, as LongLoRA's.</summary>
    public bool TrainsEmbeddings => Trains.Embeddings;

    /// <summary>Every RMSNorm trains (lora-plus, lora+norm).</summary>
    public bool TrainsNorms => Trains.Norms;

    /// <summary>What the recipe's method trains.</summary>
    public TuningMethod Trains => TuningMethod.Named(Method);

    /// <summary>
    /// The tuned model's identity: source fingerprint + recipe + harness version (a release that changes training
    /// never reuses older tuned models). Also its fingerprint in case hashes, known before it is trained.
    /// </summary>
    public string CacheKey(string sourceFingerprint, string harnessVersion = HarnessVersion.Current) =>
        MatrixExpander.Hash(string.Join("\n", "tune", sourceFingerprint, Canonical, harnessVersion));

    /// <summary>
    /// Why this recipe cannot tune a source trained with <paramref name="encoding"/> positions and the sliding window
    /// <paramref name="slidingWindow"/> (its config.json's, as <see cref="Models.ModelConfig.SlidingWindow"/>), or null.
    /// </summary>
    public string? SourceProblem(string encoding, int? slidingWindow = null, string modelType = "llama") =>
        modelType is not ("llama" or "mistral" or "qwen2")
            ? $"Cannot tune model \"{From}\" (model_type {modelType}): fine-tuning (its LoRA targets, S2-Attn and the written config.json) is implemented for llama, mistral and qwen2 checkpoints."
        : !EncodingRules.Fits(Strategy.Kind, encoding)
            ? $"Cannot tune model \"{From}\" ({encoding} positions) with \"{Strategy.Spec}\". {EncodingRules.Advice(encoding)}"
            : Attention == "s2" && encoding is "alibi" or "kerple"
                ? $"Cannot tune model \"{From}\" ({encoding} positions) with attention: s2: S2-Attn is implemented for RoPE and NoPE models."
                : Attention == "s2" && slidingWindow < Length
                    ? $"Cannot tune model \"{From}\" with attention: s2 at length {Length}: its config.json's sliding_window is {slidingWindow}, " +
                      "and S2-Attn's groups are not defined under a sliding window. Use attention: full (it keeps the window), or a length of at most the window."
                    : null;

    /// <summary>A short readable name: source, strategy, tuned length and steps (e.g. rope-10k+linear:factor=4@1024x200).</summary>
    public string DisplayName(string sourceName) =>
        $"{sourceName}+{Strategy.Spec}@{Length}x{Steps}" + (Method == "full" ? "" : $"+{Method}") + (Attention == "s2" ? $"+s2-{Shift}" : "");

    /// <summary>
    /// Parses and validates a recipe. Every problem is returned as (key, message), so a suite can point at the
    /// field's line and the CLI at its option; a recipe with any problem is null.
    /// </summary>
    public static (TuneRecipe? Recipe, IReadOnlyList<(string Key, string Message)> Errors) Parse(IReadOnlyDictionary<string, string> values)
    {
        var errors = new List<(string, string)>();
        foreach (string key in values.Keys.Where(k => !Keys.Contains(k)))
            errors.Add((key, $"Unknown tune key \"{key}\". Valid keys: {string.Join(", ", Keys)}.{DidYouMean.Hint(key, Keys)}"));

        string? from = values.GetValueOrDefault("from");
        if (string.IsNullOrWhiteSpace(from)) errors.Add(("from", "A tune recipe needs \"from\": the model to start from (zoo:NAME or a checkpoint directory)."));

        IPositionalStrategy? strategy = null;
        if (values.GetValueOrDefault("strategy") is not string text) errors.Add(("strategy", $"A tune recipe needs \"strategy\" (one of {string.Join(", ", TunableStrategies)}; e.g. linear:factor=4)."));
        else
        {
            try
            {
                strategy = StrategyRegistry.Create(text);
                if (!TunableStrategies.Contains(strategy.Spec.Name))
                {
                    errors.Add(("strategy", $"Strategy \"{strategy.Spec}\" cannot be tuned with: a tuned model must carry its positions in config.json. " +
                        $"Tunable: {string.Join(", ", TunableStrategies)}."));
                    strategy = null;
                }
            }
            catch (StrategyException e) { errors.Add(("strategy", e.Message)); }
        }

        int length = Whole(values, "length", null, 2, MaxLength, errors);
        int steps = Whole(values, "steps", null, 1, MaxSteps, errors);
        int batch = Whole(values, "batch", DefaultBatch, 1, MaxBatchTokens, errors);
        int seed = Whole(values, "seed", DefaultSeed, 0, int.MaxValue, errors);
        int warmup = Whole(values, "warmup", DefaultWarmup, 0, MaxSteps, errors);
        double lr = DefaultLearningRate;
        if (values.GetValueOrDefault("lr") is string lrText &&
            (!double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out lr) || !double.IsFinite(lr) || lr <= 0 || lr > 1))
            errors.Add(("lr", $"lr \"{lrText}\" is not valid: it must be a learning rate > 0 and <= 1 (e.g. 3e-4)."));
        if (length > 0 && batch > 0 && (long)length * batch > MaxBatchTokens)
            errors.Add(("batch", $"batch {batch} x length {length} = {(long)batch * length:N0} tokens a step is over the {MaxBatchTokens:N0} a tuning may use."));

        string attention = Choice(values, "attention", "full", Attentions, errors);
        string shift = Choice(values, "shift", "segments", Shifts, errors);
        double ratio = DefaultGroupRatio;
        if (values.GetValueOrDefault("group_ratio") is string ratioText &&
            (!double.TryParse(ratioText, NumberStyles.Float, CultureInfo.InvariantCulture, out ratio) || !(ratio > 0) || ratio > 1))
            errors.Add(("group_ratio", $"group_ratio \"{ratioText}\" is not valid: it must be a fraction of the length > 0 and <= 1 (LongLoRA uses 0.25)."));
        else if (attention == "full" && (values.ContainsKey("group_ratio") || values.ContainsKey("shift")))
            errors.Add((values.ContainsKey("shift") ? "shift" : "group_ratio", "group_ratio and shift are S2-Attn's: they need attention: s2."));
        else if (attention == "s2" && length > 0 && S2GroupProblem(length, ratio, shift) is string problem)
            errors.Add(("group_ratio", problem));

        string method = Choice(values, "method", "full", Methods, errors);
        int rank = Whole(values, "lora_rank", DefaultLoraRank, 1, 4096, errors);
        double alpha = DefaultLoraAlpha;
        if (values.GetValueOrDefault("lora_alpha") is string alphaText &&
            (!double.TryParse(alphaText, NumberStyles.Float, CultureInfo.InvariantCulture, out alpha) || !double.IsFinite(alpha) || alpha <= 0))
            errors.Add(("lora_alpha", $"lora_alpha \"{alphaText}\" is not valid: it must be a number > 0 (PEFT's scale is alpha / rank)."));
        var adapterMethods = TuningMethod.All.Where(m => m.Adapters).Select(m => m.Name).ToList();
        if (!adapterMethods.Contains(method) && (values.ContainsKey("lora_rank") || values.ContainsKey("lora_alpha")))
            errors.Add((values.ContainsKey("lora_rank") ? "lora_rank" : "lora_alpha",
                $"lora_rank and lora_alpha need a LoRA method: {string.Join(", ", adapterMethods.SkipLast(1))} or {adapterMethods[^1]}."));

        if (errors.Count > 0) return (null, errors);
        return (new TuneRecipe(from!, strategy!, length, steps, lr, batch, seed, Math.Min(warmup, steps), attention, ratio, shift, method, rank, alpha), []);
    }

    /// <summary>Why S2-Attn's groups do not fit the length, or null: G = ratio x length must be a whole number that divides
    /// the length (no silent padding or misgrouping), and even when half the heads shift by G/2.</summary>
    private static string? S2GroupProblem(int length, double ratio, string shift)
    {
        double g = ratio * length;
        if (Math.Abs(g - Math.Round(g)) > 1e-9 || Math.Round(g) < 2 || length % (int)Math.Round(g) != 0)
            return string.Create(CultureInfo.InvariantCulture, $"group_ratio {ratio:R} x length {length} = {g:R} tokens is not a group size that divides the length: choose a ratio such as 0.25, 0.125 or 0.5.");
        if (shift != "none" && (int)Math.Round(g) % 2 != 0)
            return string.Create(CultureInfo.InvariantCulture, $"group size {g:R} is odd: shifted groups move by G/2, so G must be even.");
        return null;
    }

    private static string Choice(IReadOnlyDictionary<string, string> values, string key, string fallback, string[] options, List<(string, string)> errors)
    {
        if (values.GetValueOrDefault(key) is not string text) return fallback;
        if (options.Contains(text)) return text;
        errors.Add((key, $"{key} \"{text}\" is not valid. Valid: {string.Join(", ", options)}.{DidYouMean.Hint(text, options)}"));
        return fallback;
    }

    private static int Whole(IReadOnlyDictionary<string, string> values, string key, int? fallback, int min, int max, List<(string, string)> errors)
    {
        if (values.GetValueOrDefault(key) is not string text)
        {
            if (fallback is int f) return f;
            errors.Add((key, $"A tune recipe needs \"{key}\": a whole number from {min} to {max.ToString("N0", CultureInfo.InvariantCulture)}."));
            return 0;
        }
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max) return value;
        errors.Add((key, $"{key} \"{text}\" is not valid: it must be a whole number from {min} to {max.ToString("N0", CultureInfo.InvariantCulture)}."));
        return 0;
    }
}
