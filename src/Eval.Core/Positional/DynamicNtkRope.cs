namespace Eval.Core.Positional;

/// <summary>
/// Mirrors transformers' _compute_dynamic_ntk_parameters: base * ((s * L / L0) - (s - 1))^(d/(d-2)) with
/// L = max(current length, L0). Recomputed from the length on every call and never cached, so, unlike
/// transformers' cached rotary embedding (issue 25306), results do not depend on evaluation order.
/// </summary>
public sealed class DynamicNtkRope(StrategySpec spec, ScalingFactor factor) : RopeStrategy(spec)
{
    public override bool FollowsRunningLength => true;

    public static readonly StrategyDescriptor Descriptor = new("dynamic", Create, "#76b7b2") { Aliases = ["dynamic-ntk"], Config = new RopeScalingForm(["factor"], LengthIsOriginal: true) };

    public static IPositionalStrategy Create(StrategySpec spec) => new DynamicNtkRope(spec, new StrategyParameters(spec, "factor").Factor());

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength)
    {
        double s = factor.Resolve(sequenceLength, g.OriginalContext);
        double length = Math.Max(sequenceLength, g.OriginalContext);
        double d = g.HeadDim;
        double theta = g.Theta * Math.Pow(s * length / g.OriginalContext - (s - 1), d / (d - 2));
        return new(InverseFrequencies(g.HeadDim, theta), 1.0);
    }
}
