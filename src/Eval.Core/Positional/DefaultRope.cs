namespace Eval.Core.Positional;

/// <summary>Mirrors transformers' _compute_default_rope_parameters: plain RoPE (Su et al., 2021) as trained.</summary>
public sealed class DefaultRope(StrategySpec spec) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("default", Create, "#4e79a7") { Aliases = ["none"], Config = new AsArchitecture() };
    public static IPositionalStrategy Create(StrategySpec spec) { _ = new StrategyParameters(spec); return new DefaultRope(spec); }

    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength) => new(InverseFrequencies(g.HeadDim, g.Theta), 1.0);
}
