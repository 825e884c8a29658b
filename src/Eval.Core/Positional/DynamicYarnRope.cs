namespace Eval.Core.Positional;

/// <summary>
/// Mirrors jquesnelle/yarn's LlamaDynamicYaRNScaledRotaryEmbedding: YaRN with s = max(1, L / L0) recomputed from the
/// current length L on every forward pass (no cache), attention factor 0.1 ln s + 1.
/// </summary>
public sealed class DynamicYarnRope(StrategySpec spec, double betaFast, double betaSlow) : RopeStrategy(spec)
{
    public override bool FollowsRunningLength => true;

    public static readonly StrategyDescriptor Descriptor = new("dynamic-yarn", Create, "#edc948");

    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "beta_fast", "beta_slow");
        return new DynamicYarnRope(spec, p.NumberOr("beta_fast", 32, 0, exclusiveMin: true), p.NumberOr("beta_slow", 1, 0, exclusiveMin: true));
    }

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength)
    {
        double s = ScalingFactor.Auto.Resolve(sequenceLength, g.OriginalContext);
        return new(YarnMath.InverseFrequencies(g, s, betaFast, betaSlow, truncate: true), YarnMath.MScale(s));
    }
}
