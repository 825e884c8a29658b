using System.Globalization;
using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Core.Tuning;

/// <summary>
/// The config.json of a tuned model: its source's, carrying what was trained so that it loads as trained here and in
/// transformers. Scaling types transformers knows (linear, dynamic, yarn, llama3, longrope) become a rope_scaling
/// block with the factor resolved and original_max_position_embeddings = the source's L0; a base change, and static
/// NTK (which is one: theta * s^(d/(d-2))), become rope_theta; max_position_embeddings is the tuned length.
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
        switch (spec.Name)
        {
            case "default" or "alibi" or "nope":
                return tuned;
            case "base":
                return tuned with { RopeTheta = double.Parse(spec.Parameters["theta"], NumberStyles.Float, CultureInfo.InvariantCulture) };
            case "ntk":
                double d = source.HeadDim;
                return tuned with { RopeTheta = source.RopeTheta * Math.Pow(factor, d / (d - 2)) };
            default:
                var parameters = spec.Parameters.ToDictionary(p => p.Key, p => p.Value);
                parameters["factor"] = factor.ToString("R", CultureInfo.InvariantCulture);
                return tuned with { OriginalMaxPositionEmbeddings = originalLength, CarriedStrategy = StrategySpec.Create(spec.Name, parameters) };
        }
    }
}
