namespace Eval.Core.Positional;

/// <summary>
/// Mirrors transformers' _compute_llama3_parameters (Llama 3.1): wavelengths shorter than L0 / high_freq_factor are
/// kept, longer than L0 / low_freq_factor divided by s, and the band between smoothly interpolated.
/// </summary>
public sealed class Llama3Rope(StrategySpec spec, ScalingFactor factor, double lowFreqFactor, double highFreqFactor) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("llama3", Create, "#b07aa1") { Config = new RopeScalingForm(["factor", "low_freq_factor", "high_freq_factor"], new Dictionary<string, string> { ["low_freq_factor"] = "1", ["high_freq_factor"] = "4" }) };
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "factor", "low_freq_factor", "high_freq_factor");
        double low = p.NumberOr("low_freq_factor", 1, 0, exclusiveMin: true);
        double high = p.NumberOr("high_freq_factor", 4, 0, exclusiveMin: true);
        if (high <= low)
            throw new StrategyException($"Strategy \"llama3\": high_freq_factor={high} must be greater than low_freq_factor={low}.");
        return new Llama3Rope(spec, p.Factor(), low, high);
    }

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength)
    {
        double s = factor.Resolve(sequenceLength, g.OriginalContext);
        double lowFreqWavelength = g.OriginalContext / lowFreqFactor;
        double highFreqWavelength = g.OriginalContext / highFreqFactor;
        double[] result = InverseFrequencies(g.HeadDim, g.Theta).Select(f =>
        {
            double wavelength = 2 * Math.PI / f;
            if (wavelength < highFreqWavelength) return f;
            if (wavelength > lowFreqWavelength) return f / s;
            double smooth = (g.OriginalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            return (1 - smooth) * f / s + smooth * f;
        }).ToArray();
        return new(result, 1.0);
    }
}
