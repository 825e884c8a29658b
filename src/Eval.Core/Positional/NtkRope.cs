namespace Eval.Core.Positional;

/// <summary>Mirrors the NTK-aware scaled RoPE (bloc97, 2023; bojone's ntk_patch): base theta * s^(d/(d-2)).</summary>
public sealed class NtkRope(StrategySpec spec, ScalingFactor factor) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("ntk", Create, "#e15759") { Config = new RopeThetaForm((theta, headDim, factor, _) => theta * Math.Pow(factor, headDim / (headDim - 2.0))) };
    public static IPositionalStrategy Create(StrategySpec spec) => new NtkRope(spec, new StrategyParameters(spec, "factor").Factor());

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength)
    {
        double s = factor.Resolve(sequenceLength, g.OriginalContext);
        double d = g.HeadDim;
        return new(InverseFrequencies(g.HeadDim, g.Theta * Math.Pow(s, d / (d - 2))), 1.0);
    }
}
