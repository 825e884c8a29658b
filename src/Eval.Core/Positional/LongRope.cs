namespace Eval.Core.Positional;

/// <summary>
/// Mirrors transformers' _compute_longrope_parameters (LongRoPE, Ding et al., 2024; Phi-3): per-dimension factors,
/// the long list when L &gt; L0 else the short one, attention factor sqrt(1 + ln s / ln L0) unless given.
/// </summary>
public sealed class LongRope(StrategySpec spec, double[] shortFactor, double[] longFactor, ScalingFactor factor, double? attentionFactor)
    : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("longrope", Create, "#ff9da7") { Config = new RopeScalingForm(["factor", "short_factor", "long_factor", "attention_factor"], AttentionFactorWhenUneven: true) };
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "short_factor", "long_factor", "factor", "attention_factor");
        double[] shortList = p.List("short_factor"), longList = p.List("long_factor");
        if (shortList.Length != longList.Length)
            throw new StrategyException($"Strategy \"longrope\": short_factor has {shortList.Length} entries but long_factor has {longList.Length}.");
        return new LongRope(spec, shortList, longList, p.Has("factor") ? p.Factor() : ScalingFactor.Auto,
            p.Has("attention_factor") ? p.Number("attention_factor", 0, exclusiveMin: true) : null);
    }

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength)
    {
        if (shortFactor.Length != g.HeadDim / 2)
            throw new StrategyException($"Strategy \"longrope\": factor lists have {shortFactor.Length} entries; head dimension {g.HeadDim} needs {g.HeadDim / 2}.");
        double s = factor.Resolve(sequenceLength, g.OriginalContext);
        double attention = attentionFactor ?? (s <= 1 ? 1.0 : Math.Sqrt(1 + Math.Log(s) / Math.Log(g.OriginalContext)));
        double[] factors = sequenceLength > g.OriginalContext ? longFactor : shortFactor;
        double[] inverse = InverseFrequencies(g.HeadDim, g.Theta).Select((f, i) => f / factors[i]).ToArray();
        return new(inverse, attention);
    }
}
