namespace Eval.Core.Positional;

/// <summary>
/// Mirrors transformers' _compute_yarn_parameters (YaRN, Peng et al., 2023): beta_fast 32, beta_slow 1, truncated
/// correction range, attention factor 0.1 ln s + 1 unless given (or the mscale / mscale_all_dim ratio).
/// </summary>
public sealed class YarnRope(StrategySpec spec, ScalingFactor factor, double betaFast, double betaSlow, bool truncate,
    double? attentionFactor, double? mscale, double? mscaleAllDim) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("yarn", Create, "#59a14f") { Config = new RopeScalingForm(["factor", "beta_fast", "beta_slow", "attention_factor", "mscale", "mscale_all_dim", "truncate"], AttentionFactorWhenUneven: true) };
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "factor", "beta_fast", "beta_slow", "truncate", "attention_factor", "mscale", "mscale_all_dim");
        return new YarnRope(spec, p.Factor(), p.NumberOr("beta_fast", 32, 0, exclusiveMin: true), p.NumberOr("beta_slow", 1, 0, exclusiveMin: true),
            p.Flag("truncate", true), p.Has("attention_factor") ? p.Number("attention_factor", 0, exclusiveMin: true) : null,
            p.Has("mscale") ? p.Number("mscale", min: 0) : null, p.Has("mscale_all_dim") ? p.Number("mscale_all_dim", min: 0) : null);
    }

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength)
    {
        double s = factor.Resolve(sequenceLength, g.OriginalContext);
        double attention = attentionFactor
            ?? (mscale is { } m && mscaleAllDim is { } all && m != 0 && all != 0
                ? YarnMath.MScale(s, m) / YarnMath.MScale(s, all)
                : YarnMath.MScale(s));
        return new(YarnMath.InverseFrequencies(g, s, betaFast, betaSlow, truncate), attention);
    }
}
