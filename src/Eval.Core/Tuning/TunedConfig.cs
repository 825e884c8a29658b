using System.Globalization;
using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Core.Tuning;

/// <summary>
/// The config.json of a tuned model: its source's, carrying what was trained so that it loads as trained here and in
/// transformers (and, for linear, dynamic and yarn, in jquesnelle/yarn's modeling code). Scaling types transformers
/// knows become a rope_scaling block with the factor resolved and original_max_position_embeddings = the source's L0;
/// a base change, and static NTK (which is one: theta * s^(d/(d-2))), become rope_theta with max_position_embeddings
/// the tuned length. max_position_embeddings is what transformers reads it as:
/// <list type="bullet">
/// <item>linear, yarn, llama3, longrope: factor x L0, the length the scaling stretches L0 to (as jquesnelle/yarn's
/// finetune.py writes it). transformers releases that read rope_scaling's original_max_position_embeddings take YaRN's
/// factor as max_position_embeddings / original, and LongRoPE's attention factor from the same ratio (with
/// original_max_position_embeddings also at the top level, where LongRoPE reads it). Where factor x L0 is not a whole
/// number no max_position_embeddings says the factor, so YaRN's and LongRoPE's attention_factor is written out.</item>
/// <item>dynamic: L0, since transformers' dynamic NTK (and jquesnelle/yarn's) takes max_position_embeddings as the
/// original length, both for the formula and for where scaling starts.</item>
/// </list>
/// ModelConfig.TrainedLength reads back as L0 for every rope_scaling type (rope_scaling's original length).
/// </summary>
public static class TunedConfig
{
    public static ModelConfig For(ModelConfig source, TuneRecipe recipe)
    {
        var spec = recipe.Strategy.Spec;
        int originalLength = source.TrainedLength;
        double factor = spec.Parameters.TryGetValue("factor", out string? text) && text != "auto"
            ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
            : Math.Max(1.0, (double)recipe.Length / originalLength);
        var tuned = source with { MaxPositionEmbeddings = recipe.Length, OriginalMaxPositionEmbeddings = null, CarriedStrategy = null, TorchDtype = "float32",
            TieWordEmbeddings = source.TieWordEmbeddings && !recipe.TrainsEmbeddings }; // trained embeddings, frozen head: two matrices
        switch (StrategyRegistry.Find(spec.Name)?.Config)
        {
            case AsArchitecture:
                return tuned;
            case RopeThetaForm theta:
                return tuned with { RopeTheta = theta.Theta(source.RopeTheta, source.HeadDim, factor, spec) };
            case RopeScalingForm form:
                var parameters = spec.Parameters.ToDictionary(p => p.Key, p => p.Value);
                parameters["factor"] = Text(factor);
                if (form.LengthIsOriginal)
                    return tuned with { MaxPositionEmbeddings = originalLength, OriginalMaxPositionEmbeddings = originalLength, CarriedStrategy = StrategySpec.Create(spec.Name, parameters) };
                foreach (var (key, value) in form.WrittenDefaults ?? new Dictionary<string, string>()) parameters.TryAdd(key, value);
                double scaled = Math.Round(factor * originalLength);
                int scaledLength = scaled < int.MaxValue ? (int)scaled : int.MaxValue;
                if (form.AttentionFactorWhenUneven && !parameters.ContainsKey("attention_factor") && (double)scaledLength / originalLength != factor
                    && AttentionFactor(StrategySpec.Create(spec.Name, parameters), source, recipe.Length) is double attention)
                    parameters["attention_factor"] = Text(attention);
                return tuned with { MaxPositionEmbeddings = scaledLength, OriginalMaxPositionEmbeddings = originalLength, CarriedStrategy = StrategySpec.Create(spec.Name, parameters) };
            default:
                throw new ArgumentException($"Strategy \"{spec}\" has no config form, so no model can be tuned with it (TuneRecipe refuses it).");
        }
    }

    /// <summary>The attention factor the strategy trains with, or null where it cannot run on the source (the tuning fails then).</summary>
    private static double? AttentionFactor(StrategySpec spec, ModelConfig source, int length)
    {
        try { return StrategyRegistry.Create(spec).Frequencies(new RopeGeometry(source.HeadDim, source.RopeTheta, source.TrainedLength), length).AttentionFactor; }
        catch (StrategyException) { return null; }
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
