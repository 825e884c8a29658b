namespace Eval.Core.Positional;

/// <summary>Mirrors transformers' _compute_linear_scaling_rope_parameters: Position Interpolation (Chen et al., 2023), positions / s.</summary>
public sealed class LinearRope(StrategySpec spec, ScalingFactor factor) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("linear", Create, "#f28e2b") { Aliases = ["pi"], Config = new RopeScalingForm(["factor"]) };
    public static IPositionalStrategy Create(StrategySpec spec) => new LinearRope(spec, new StrategyParameters(spec, "factor").Factor());

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength)
    {
        double s = factor.Resolve(sequenceLength, g.OriginalContext);
        return new(InverseFrequencies(g.HeadDim, g.Theta).Select(f => f / s).ToArray(), 1.0);
    }
}
