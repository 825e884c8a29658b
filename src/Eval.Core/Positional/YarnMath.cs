namespace Eval.Core.Positional;

/// <summary>
/// YaRN's frequency blend and attention factor (Peng et al., 2023), exactly as transformers'
/// _compute_yarn_parameters: correction range from find_correction_dim, a linear ramp across it, and
/// interpolation (freq / s) below it blended with extrapolation (freq) above it.
/// </summary>
public static class YarnMath
{
    /// <summary>transformers' get_mscale: 0.1 * mscale * ln(s) + 1 for s &gt; 1, else 1.</summary>
    public static double MScale(double scale, double mscale = 1) => scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;

    /// <summary>The dimension index whose wavelength fits <paramref name="rotations"/> times into L0.</summary>
    public static double CorrectionDim(double rotations, int dim, double theta, int originalContext) =>
        dim * Math.Log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));

    /// <summary>(low, high) of the ramp, floored/ceiled when truncating, clamped to [0, d - 1].</summary>
    public static (double Low, double High) CorrectionRange(double betaFast, double betaSlow, int dim, double theta, int originalContext, bool truncate)
    {
        double low = CorrectionDim(betaFast, dim, theta, originalContext);
        double high = CorrectionDim(betaSlow, dim, theta, originalContext);
        if (truncate) (low, high) = (Math.Floor(low), Math.Ceiling(high));
        return (Math.Max(low, 0), Math.Min(high, dim - 1));
    }

    /// <summary>Inverse frequencies for scale s: blend of theta^(-2i/d) / s and theta^(-2i/d) across the ramp.</summary>
    public static double[] InverseFrequencies(RopeGeometry g, double scale, double betaFast, double betaSlow, bool truncate)
    {
        double[] extrapolation = RopeStrategy.InverseFrequencies(g.HeadDim, g.Theta);
        var (low, high) = CorrectionRange(betaFast, betaSlow, g.HeadDim, g.Theta, g.OriginalContext, truncate);
        if (low == high) high += 0.001; // transformers' guard against a zero-width ramp
        var result = new double[extrapolation.Length];
        for (int i = 0; i < result.Length; i++)
        {
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            double extrapolationFactor = 1 - ramp;
            result[i] = extrapolation[i] / scale * (1 - extrapolationFactor) + extrapolation[i] * extrapolationFactor;
        }
        return result;
    }
}
