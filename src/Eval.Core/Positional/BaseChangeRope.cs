namespace Eval.Core.Positional;

/// <summary>Mirrors "Scaling Laws of RoPE-based Extrapolation" (Liu et al., 2023): RoPE evaluated with another base theta.</summary>
public sealed class BaseChangeRope(StrategySpec spec, double theta) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("base", Create, "#8c564b") { Config = new RopeThetaForm((_, _, _, spec) => double.Parse(spec.Parameters["theta"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)) };
    public static IPositionalStrategy Create(StrategySpec spec) =>
        new BaseChangeRope(spec, new StrategyParameters(spec, "theta").Number("theta", 1, exclusiveMin: true));

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength) => new(InverseFrequencies(g.HeadDim, theta), 1.0);
}
