using System.Globalization;
using System.Text.Json.Nodes;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Tuning;

namespace Eval.Tests.Tuning;

/// <summary>
/// A tuned model's config.json means in Hugging Face transformers what it means here (issue #31, item 4): for every
/// tunable RoPE strategy and several factor / length pairs (factor = length / L0, and factor != length / L0), the
/// config is written to disk, parsed back as plain JSON (not through <see cref="ModelConfigReader"/>), and the rotary
/// embedding transformers would build from it (<see cref="Transformers"/>, ported from modeling_rope_utils.py) is
/// compared with the frequencies the harness uses when it evaluates the tuned model with "carried", at lengths below,
/// at and above L0, and with the frequencies the tuning trained with. YaRN's own modeling code (jquesnelle/yarn,
/// <see cref="JquesnelleYarn"/>) is checked the same way for the types it knows.
/// </summary>
public class TunedConfigTransformersTests
{
    /// <summary>Two sources: a zoo-sized model (L0 256) and a Llama-like one (L0 4096, theta 500000, head dim 64).</summary>
    static readonly ModelConfig Small = new("llama", 4096, 128, 4, 4, 2, 32, 352, 1e-5, 10000, 256, null, true, false, "rope", 1, [2], null, "bfloat16", null);
    static readonly ModelConfig Large = new("llama", 4096, 256, 2, 4, 4, 64, 512, 1e-5, 500000, 4096, null, false, false, "rope", 1, [2], null, "bfloat16", null);

    /// <summary>LongRoPE's per-dimension lists for head dim d: d/2 entries each.</summary>
    static string Factors(int count, double first, double step) =>
        string.Join("|", Enumerable.Range(0, count).Select(i => (first + step * i).ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>Strategy templates; {f} is the factor, {short}/{long} LongRoPE's lists.</summary>
    static readonly string[] Scaled =
    [
        "linear:factor={f}",
        "pi:factor={f}",
        "ntk:factor={f}",
        "dynamic:factor={f}",
        "yarn:factor={f}",
        "yarn:factor={f},beta_fast=16,beta_slow=2,truncate=false",
        "yarn:factor={f},mscale=0.707,mscale_all_dim=1",
        "llama3:factor={f}",
        "llama3:factor={f},low_freq_factor=2,high_freq_factor=8",
        "longrope:factor={f},short_factor={short},long_factor={long}",
    ];

    /// <summary>(factor, tuned length as a multiple of L0): the factor equal to length / L0 (2, 4, 8, auto), and not
    /// (4 at 2 x L0, 2 at 8 x L0, 2.5 at 4 x L0), and 1.3, whose factor x L0 is not a whole number.</summary>
    static readonly (string Factor, int Multiple)[] Pairs = [("2", 2), ("4", 4), ("8", 8), ("auto", 4), ("auto", 3), ("4", 2), ("2", 8), ("2.5", 4), ("1.3", 2)];

    static IEnumerable<TestCaseData> Cases()
    {
        foreach (var (name, source) in new[] { ("small", Small), ("large", Large) })
        {
            int half = source.HeadDim / 2;
            foreach (string template in Scaled)
                foreach (var (factor, multiple) in Pairs)
                {
                    string strategy = template.Replace("{f}", factor)
                        .Replace("{short}", Factors(half, 1.0, 0.01)).Replace("{long}", Factors(half, 1.0, 0.75));
                    string label = template.Replace("{f}", factor).Replace("{short}", "S").Replace("{long}", "L");
                    yield return new TestCaseData(name, strategy, factor, multiple).SetName($"{name} {label} length={multiple}xL0");
                }
            yield return new TestCaseData(name, "longrope:short_factor=" + Factors(half, 1.0, 0.01) + ",long_factor=" + Factors(half, 1.0, 0.75), "auto", 4)
                .SetName($"{name} longrope without factor length=4xL0");
            foreach (int multiple in new[] { 1, 4 })
            {
                yield return new TestCaseData(name, "base:theta=1000000", "", multiple).SetName($"{name} base length={multiple}xL0");
                yield return new TestCaseData(name, "default", "", multiple).SetName($"{name} default length={multiple}xL0");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void TunedConfig_InTransformers_UsesTheFrequenciesTheHarnessTrainedAndEvaluates(string sourceName, string strategy, string factorText, int multiple)
    {
        var source = sourceName == "small" ? Small : Large;
        int l0 = source.TrainedLength, length = multiple * l0;
        var recipe = TuneRecipe.Parse(new Dictionary<string, string>
        {
            ["from"] = "zoo:x", ["strategy"] = strategy, ["length"] = length.ToString(CultureInfo.InvariantCulture), ["steps"] = "10",
        }).Recipe!;
        string path = Path.Combine(Path.GetTempPath(), $"tuned-config-hf-{Guid.NewGuid():N}.json");
        JsonObject json;
        ModelConfig read;
        try
        {
            ModelConfigReader.Write(path, TunedConfig.For(source, recipe));
            json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            read = ModelConfigReader.Read(path);
        }
        finally { File.Delete(path); }

        string name = recipe.Strategy.Spec.Name;
        // The factor the tuning resolved, written out independently of TunedConfig: auto = max(1, length / L0).
        double factor = factorText is "auto" or "" ? Math.Max(1.0, (double)length / l0) : double.Parse(factorText, CultureInfo.InvariantCulture);
        bool wholeScaledLength = Math.Abs(factor * l0 - Math.Round(factor * l0)) < 1e-9;
        CheckShape(json, name, factor, l0, wholeScaledLength);

        // What the harness uses: the carried strategy read back, on the geometry LlamaArchitecture.Geometry builds.
        var carried = StrategyRegistry.Create(read.CarriedStrategy ?? StrategySpec.Parse(EncodingRules.NativeStrategy(read.PositionEncoding)));
        var geometry = new RopeGeometry(read.HeadDim, read.RopeTheta, read.TrainedLength);
        var trained = ContextLengthStrategy.For(recipe.Strategy, length).Frequencies(new RopeGeometry(source.HeadDim, source.RopeTheta, l0), length);

        // transformers versions differ on YaRN's factor when rope_scaling has original_max_position_embeddings: some take
        // max_position_embeddings / original as the factor, others keep rope_scaling's factor. Both must agree with the
        // harness; the first cannot when factor x L0 is not a whole number (no integer max_position_embeddings says it).
        // (Versions that read no original_max_position_embeddings build YaRN's ramp from max_position_embeddings = factor x L0
        // and cannot agree with a config that jquesnelle/yarn and the others read as trained; they are not checked.)
        var variants = name == "yarn" && !wholeScaledLength ? [YarnFactor.Explicit] : new[] { YarnFactor.Explicit, YarnFactor.MaxOverOriginal };
        foreach (var variant in variants)
        {
            foreach (int evaluated in new[] { l0 / 2, l0, l0 + 1, length, 2 * length })
            {
                var hf = Transformers.Forward(json, evaluated, variant);
                var used = ContextLengthStrategy.For(carried, evaluated).Frequencies(geometry, evaluated);
                string at = $"{strategy} ({variant}) at {evaluated} tokens";
                Assert.That(hf.InvFreq, Is.EqualTo(used.InverseFrequencies).Within(1e-10).Percent, $"inv_freq: transformers vs harness evaluation, {at}");
                Assert.That(hf.Attention, Is.EqualTo(used.AttentionFactor).Within(1e-10).Percent, $"attention scaling: transformers vs harness evaluation, {at}");
            }
            var atTunedLength = Transformers.Forward(json, length, variant);
            Assert.That(atTunedLength.InvFreq, Is.EqualTo(trained.InverseFrequencies).Within(1e-10).Percent, $"inv_freq: transformers vs training, {strategy} ({variant})");
            Assert.That(atTunedLength.Attention, Is.EqualTo(trained.AttentionFactor).Within(1e-10).Percent, $"attention scaling: transformers vs training, {strategy} ({variant})");
        }

        // YaRN's own modeling code knows linear, dynamic and yarn (with its fixed betas, truncation and mscale).
        bool jquesnelleKnows = name is "linear" or "dynamic" || (name == "yarn" && !strategy.Contains("beta_") && !strategy.Contains("mscale"));
        if (jquesnelleKnows && factor > 1)
            foreach (int evaluated in new[] { l0 / 2, l0 + 1, length, 2 * length })
            {
                var yarn = JquesnelleYarn.Forward(json, evaluated);
                var used = ContextLengthStrategy.For(carried, evaluated).Frequencies(geometry, evaluated);
                Assert.That(yarn.InvFreq, Is.EqualTo(used.InverseFrequencies).Within(1e-10).Percent, $"inv_freq: jquesnelle/yarn vs harness, {strategy} at {evaluated}");
                Assert.That(yarn.Attention, Is.EqualTo(used.AttentionFactor).Within(1e-10).Percent, $"attention: jquesnelle/yarn vs harness, {strategy} at {evaluated}");
            }
    }

    /// <summary>The fields each loader reads are there, of the kind it checks.</summary>
    static void CheckShape(JsonObject json, string name, double factor, int l0, bool wholeScaledLength)
    {
        if (json["rope_scaling"] is not JsonObject scaling)
        {
            Assert.That(name, Is.AnyOf("default", "base", "ntk"), "only rope_theta changes carry no rope_scaling");
            return;
        }
        Assert.That(scaling["rope_type"]?.GetValue<string>(), Is.EqualTo(name), "transformers reads rope_type");
        Assert.That(scaling["type"]?.GetValue<string>(), Is.EqualTo(name), "jquesnelle/yarn's _init_rope reads rope_scaling[\"type\"]");
        // transformers' _validate_*_parameters warn, and jquesnelle/yarn's _rope_scaling_validation raises, unless factor is a float.
        Assert.That(IsPythonFloat(scaling["factor"]!), $"factor is written as a float: {scaling["factor"]!.ToJsonString()}");
        foreach (string key in new[] { "attention_factor", "beta_fast", "beta_slow", "low_freq_factor", "high_freq_factor", "mscale", "mscale_all_dim" })
            if (scaling[key] is { } value) Assert.That(IsPythonFloat(value), $"{key} is written as a float: {value.ToJsonString()}");
        Assert.That(scaling["original_max_position_embeddings"]!.ToJsonString(), Is.EqualTo(l0.ToString(CultureInfo.InvariantCulture)), "L0, an int");
        int max = json["max_position_embeddings"]!.GetValue<int>();
        if (name == "dynamic") Assert.That(max, Is.EqualTo(l0), "transformers' dynamic NTK takes max_position_embeddings as L0");
        else if (wholeScaledLength) Assert.That(max, Is.EqualTo((int)Math.Round(factor * l0)), "max_position_embeddings = factor x L0 (as jquesnelle/yarn's finetune.py writes it)");
        if (name == "longrope")
            Assert.That(json["original_max_position_embeddings"]?.ToJsonString(), Is.EqualTo(l0.ToString(CultureInfo.InvariantCulture)),
                "transformers' LongRoPE reads original_max_position_embeddings at the config's top level");
    }

    /// <summary>Python's json.load gives a float for a number with a fraction or an exponent, an int otherwise.</summary>
    static bool IsPythonFloat(JsonNode node) => node.ToJsonString().IndexOfAny(['.', 'e', 'E']) >= 0;

    public enum YarnFactor
    {
        /// <summary>rope_scaling's factor; the correction range from rope_scaling's original_max_position_embeddings (else
        /// max_position_embeddings). _compute_yarn_parameters as in a rope_scaling-era copy that also reads "truncate".</summary>
        Explicit,
        /// <summary>As <see cref="Explicit"/>, but factor = max_position_embeddings / original_max_position_embeddings when
        /// rope_scaling has the latter: _compute_yarn_parameters as in a rope_parameters-era copy ("DeepSeek-V3 ... use the
        /// ratio between these two values").</summary>
        MaxOverOriginal,
    }

    /// <summary>
    /// transformers' modeling_rope_utils.py ported to C# from the Python (in double; transformers evaluates in float32),
    /// reading the config as its PretrainedConfig holds config.json, plus LlamaRotaryEmbedding.__init__ and
    /// dynamic_rope_update for the first forward pass of a freshly loaded model over positions 0 .. seqLen - 1.
    /// </summary>
    static class Transformers
    {
        public static (double[] InvFreq, double Attention) Forward(JsonObject config, int seqLen, YarnFactor yarn)
        {
            // LlamaRotaryEmbedding.__init__: rope_type from rope_scaling ("rope_type", else BC "type"), else "default";
            // max_seq_len_cached = original_max_seq_len = config.max_position_embeddings; inv_freq = rope_init_fn(config).
            var scaling = config["rope_scaling"] as JsonObject;
            string ropeType = scaling is null ? "default" : (scaling["rope_type"] ?? scaling["type"])!.GetValue<string>();
            int maxSeqLenCached = Int(config, "max_position_embeddings");
            var (invFreq, attention) = Init(config, ropeType, null, yarn);
            // dynamic_rope_update -> dynamic_frequency_update: seq_len = max(position_ids) + 1; growth past the cache recomputes.
            if (ropeType.Contains("dynamic"))
            {
                if (seqLen > maxSeqLenCached) (invFreq, attention) = Init(config, ropeType, seqLen, yarn);
            }
            // -> longrope_frequency_update: the long factors past original_max_position_embeddings (top level, else
            // max_position_embeddings), computed with seq_len = original + 1; attention_scaling stays the init one.
            else if (ropeType == "longrope")
            {
                int original = config["original_max_position_embeddings"] is not null ? Int(config, "original_max_position_embeddings") : maxSeqLenCached;
                if (seqLen > original) invFreq = Init(config, ropeType, original + 1, yarn).InvFreq;
            }
            return (invFreq, attention);
        }

        /// <summary>ROPE_INIT_FUNCTIONS[rope_type](config, device, seq_len).</summary>
        static (double[] InvFreq, double Attention) Init(JsonObject config, string ropeType, int? seqLen, YarnFactor yarn) => ropeType switch
        {
            "default" => ComputeDefaultRopeParameters(config),
            "linear" => ComputeLinearScalingRopeParameters(config),
            "dynamic" => ComputeDynamicNtkParameters(config, seqLen),
            "yarn" => ComputeYarnParameters(config, yarn),
            "longrope" => ComputeLongropeParameters(config, seqLen),
            "llama3" => ComputeLlama3Parameters(config),
            _ => throw new KeyNotFoundException($"ROPE_INIT_FUNCTIONS has no '{ropeType}'"),
        };

        static JsonObject Scaling(JsonObject config) => (JsonObject)config["rope_scaling"]!;

        /// <summary>base = rope_parameters' rope_theta, else config.rope_theta (standardize_rope_params).</summary>
        static double Base(JsonObject config) =>
            config["rope_scaling"] is JsonObject s && s["rope_theta"] is not null ? Double(s, "rope_theta") : Double(config, "rope_theta");

        /// <summary>dim = int(head_dim * partial_rotary_factor), head_dim = config.head_dim or hidden_size // num_attention_heads.</summary>
        static int Dim(JsonObject config)
        {
            int headDim = config["head_dim"] is not null ? Int(config, "head_dim") : Int(config, "hidden_size") / Int(config, "num_attention_heads");
            double partial = config["partial_rotary_factor"] is not null ? Double(config, "partial_rotary_factor") : 1.0;
            return (int)(headDim * partial);
        }

        /// <summary>1.0 / (base ** (torch.arange(0, dim, 2) / dim)).</summary>
        static double[] InvFreq(double @base, int dim) =>
            Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(@base, (double)(2 * i) / dim)).ToArray();

        /// <summary>_compute_default_rope_parameters.</summary>
        static (double[], double) ComputeDefaultRopeParameters(JsonObject config) => (InvFreq(Base(config), Dim(config)), 1.0);

        /// <summary>_compute_linear_scaling_rope_parameters: inv_freq /= factor.</summary>
        static (double[], double) ComputeLinearScalingRopeParameters(JsonObject config)
        {
            double factor = Double(Scaling(config), "factor");
            return (InvFreq(Base(config), Dim(config)).Select(f => f / factor).ToArray(), 1.0);
        }

        /// <summary>_compute_dynamic_ntk_parameters: max_position_embeddings is the original length.</summary>
        static (double[], double) ComputeDynamicNtkParameters(JsonObject config, int? seqLen)
        {
            double @base = Base(config);
            int dim = Dim(config);
            int maxPositionEmbeddings = Int(config, "max_position_embeddings");
            double factor = Double(Scaling(config), "factor");
            // seq_len: default to max_position_embeddings, e.g. at init time
            int seq = seqLen is int s ? Math.Max(s, maxPositionEmbeddings) : maxPositionEmbeddings;
            @base *= Math.Pow(factor * seq / maxPositionEmbeddings - (factor - 1), (double)dim / (dim - 2));
            return (InvFreq(@base, dim), 1.0);
        }

        /// <summary>_compute_yarn_parameters, with its get_mscale, find_correction_dim, find_correction_range, linear_ramp_factor.</summary>
        static (double[], double) ComputeYarnParameters(JsonObject config, YarnFactor variant)
        {
            var scaling = Scaling(config);
            double @base = Base(config);
            int dim = Dim(config);
            double factor = Double(scaling, "factor");
            double? attentionFactor = OptionalDouble(scaling, "attention_factor");
            double? mscale = OptionalDouble(scaling, "mscale");
            double? mscaleAllDim = OptionalDouble(scaling, "mscale_all_dim");
            int originalMaxPositionEmbeddings;
            if (scaling["original_max_position_embeddings"] is not null)
            {
                originalMaxPositionEmbeddings = Int(scaling, "original_max_position_embeddings");
                if (variant == YarnFactor.MaxOverOriginal) factor = (double)Int(config, "max_position_embeddings") / originalMaxPositionEmbeddings;
            }
            else originalMaxPositionEmbeddings = Int(config, "max_position_embeddings");

            static double GetMscale(double scale, double mscale = 1) => scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;
            // "if mscale and mscale_all_dim": None and 0 are false in Python.
            double attention = attentionFactor
                ?? (mscale is double m && m != 0 && mscaleAllDim is double all && all != 0 ? GetMscale(factor, m) / GetMscale(factor, all) : GetMscale(factor));
            double betaFast = OptionalDouble(scaling, "beta_fast") is double bf && bf != 0 ? bf : 32;   // .get("beta_fast") or 32
            double betaSlow = OptionalDouble(scaling, "beta_slow") is double bs && bs != 0 ? bs : 1;
            bool truncate = scaling["truncate"]?.GetValue<bool>() ?? true;

            static double FindCorrectionDim(double numRotations, int dim, double @base, int maxPositionEmbeddings) =>
                dim * Math.Log(maxPositionEmbeddings / (numRotations * 2 * Math.PI)) / (2 * Math.Log(@base));
            double low = FindCorrectionDim(betaFast, dim, @base, originalMaxPositionEmbeddings);
            double high = FindCorrectionDim(betaSlow, dim, @base, originalMaxPositionEmbeddings);
            if (truncate) (low, high) = (Math.Floor(low), Math.Ceiling(high));
            (low, high) = (Math.Max(low, 0), Math.Min(high, dim - 1));
            if (low == high) high += 0.001; // linear_ramp_factor: prevent singularity

            var inv = new double[dim / 2];
            for (int i = 0; i < inv.Length; i++)
            {
                double posFreq = Math.Pow(@base, (double)(2 * i) / dim);
                double extrapolation = 1.0 / posFreq, interpolation = 1.0 / (factor * posFreq);
                double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
                double extrapolationFactor = 1 - ramp;
                inv[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
            }
            return (inv, attention);
        }

        /// <summary>_compute_longrope_parameters: original_max_position_embeddings from the config's top level.</summary>
        static (double[], double) ComputeLongropeParameters(JsonObject config, int? seqLen)
        {
            var scaling = Scaling(config);
            double @base = Base(config);
            int dim = Dim(config);
            double[] longFactor = List(scaling, "long_factor"), shortFactor = List(scaling, "short_factor");
            double? factor = OptionalDouble(scaling, "factor");
            double? attentionFactor = OptionalDouble(scaling, "attention_factor");
            int originalMaxPositionEmbeddings;
            if (config["original_max_position_embeddings"] is not null && Int(config, "original_max_position_embeddings") != 0)
            {
                originalMaxPositionEmbeddings = Int(config, "original_max_position_embeddings");
                factor = (double)Int(config, "max_position_embeddings") / originalMaxPositionEmbeddings;
            }
            else originalMaxPositionEmbeddings = Int(config, "max_position_embeddings");
            double attention = attentionFactor ?? (factor!.Value <= 1.0 ? 1.0 : Math.Sqrt(1 + Math.Log(factor.Value) / Math.Log(originalMaxPositionEmbeddings)));
            double[] extFactors = seqLen is int s && s > originalMaxPositionEmbeddings ? longFactor : shortFactor;
            return (Enumerable.Range(0, dim / 2).Select(i => 1.0 / (extFactors[i] * Math.Pow(@base, (double)(2 * i) / dim))).ToArray(), attention);
        }

        /// <summary>_compute_llama3_parameters: original_max_position_embeddings, low/high_freq_factor from rope_scaling (required).</summary>
        static (double[], double) ComputeLlama3Parameters(JsonObject config)
        {
            var scaling = Scaling(config);
            double[] invFreq = InvFreq(Base(config), Dim(config));
            double factor = Double(scaling, "factor");
            double lowFreqFactor = Double(scaling, "low_freq_factor");
            double highFreqFactor = Double(scaling, "high_freq_factor");
            double oldContextLen = Int(scaling, "original_max_position_embeddings");
            double lowFreqWavelen = oldContextLen / lowFreqFactor, highFreqWavelen = oldContextLen / highFreqFactor;
            return (invFreq.Select(f =>
            {
                double wavelen = 2 * Math.PI / f;
                double invFreqLlama = wavelen > lowFreqWavelen ? f / factor : f;
                double smoothFactor = (oldContextLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                double smoothed = (1 - smoothFactor) * invFreqLlama / factor + smoothFactor * invFreqLlama;
                bool isMediumFreq = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
                return isMediumFreq ? smoothed : invFreqLlama;
            }).ToArray(), 1.0);
        }
    }

    /// <summary>
    /// jquesnelle/yarn's scaled_rope/modeling_llama_yarn.py: LlamaAttention._init_rope (rope_scaling["type"], ["factor"],
    /// and for yarn ["original_max_position_embeddings"]) and the rotary embeddings it builds, at a first forward of
    /// seqLen tokens; its configuration_llama.py refuses a factor that is not a float &gt; 1.
    /// </summary>
    static class JquesnelleYarn
    {
        public static (double[] InvFreq, double Attention) Forward(JsonObject config, int seqLen)
        {
            var scaling = (JsonObject)config["rope_scaling"]!;
            string scalingType = scaling["type"]?.GetValue<string>() ?? throw new KeyNotFoundException("rope_scaling[\"type\"]");
            double scalingFactor = Double(scaling, "factor");
            if (!IsPythonFloat(scaling["factor"]!) || scalingFactor <= 1.0) throw new ArgumentException("`rope_scaling`'s factor field must be an float > 1");
            int dim = Int(config, "hidden_size") / Int(config, "num_attention_heads");
            double @base = Double(config, "rope_theta");
            int maxPositionEmbeddings = Int(config, "max_position_embeddings");
            double[] inv = Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(@base, (double)(2 * i) / dim)).ToArray();
            switch (scalingType)
            {
                case "linear": // LlamaLinearScalingRotaryEmbedding: t = t / scaling_factor, the same as inv_freq / scaling_factor
                    return (inv.Select(f => f / scalingFactor).ToArray(), 1.0);
                case "dynamic": // LlamaDynamicNTKScalingRotaryEmbedding._set_cos_sin_cache, cached at max_position_embeddings first
                    if (seqLen <= maxPositionEmbeddings) return (inv, 1.0);
                    double dynamicBase = @base * Math.Pow(scalingFactor * seqLen / maxPositionEmbeddings - (scalingFactor - 1), (double)dim / (dim - 2));
                    return (Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(dynamicBase, (double)(2 * i) / dim)).ToArray(), 1.0);
                case "yarn": // LlamaYaRNScaledRotaryEmbedding.yarn: beta_fast 32, beta_slow 1, extrapolation_factor 1, attn_factor 1
                    int original = Int(scaling, "original_max_position_embeddings");
                    static double CorrectionDim(double rotations, int dim, double @base, int max) => dim * Math.Log(max / (rotations * 2 * Math.PI)) / (2 * Math.Log(@base));
                    double low = Math.Max(Math.Floor(CorrectionDim(32, dim, @base, original)), 0);
                    double high = Math.Min(Math.Ceiling(CorrectionDim(1, dim, @base, original)), dim - 1);
                    if (low == high) high += 0.001;
                    var result = new double[dim / 2];
                    for (int i = 0; i < result.Length; i++)
                    {
                        double posFreq = Math.Pow(@base, (double)(2 * i) / dim);
                        double mask = 1 - Math.Clamp((i - low) / (high - low), 0, 1);
                        result[i] = 1.0 / (scalingFactor * posFreq) * (1 - mask) + 1.0 / posFreq * mask;
                    }
                    return (result, 0.1 * Math.Log(scalingFactor) + 1.0); // _yarn_get_mscale(scale) * attn_factor
                default:
                    throw new ArgumentException($"Unknown RoPE scaling type {scalingType}");
            }
        }
    }

    static int Int(JsonObject o, string key)
    {
        var node = o[key] ?? throw new KeyNotFoundException(key);
        Assert.That(node.ToJsonString(), Does.Not.Contain(".").And.Not.Contain("e").And.Not.Contain("E"), $"{key} is an int in Python");
        return node.GetValue<int>();
    }

    static double Double(JsonObject o, string key) => (o[key] ?? throw new KeyNotFoundException(key)).GetValue<double>();

    static double? OptionalDouble(JsonObject o, string key) => o[key]?.GetValue<double>();

    static double[] List(JsonObject o, string key) => ((JsonArray)(o[key] ?? throw new KeyNotFoundException(key))).Select(x => x!.GetValue<double>()).ToArray();
}
