namespace Eval.Core.Positional;

/// <summary>
/// Mirrors datamllab/LongLM's self_extend_forward (Self-Extend, Jin et al., 2024): neighbour attention within W with
/// exact positions, grouped attention (positions floor-divided by G) beyond. Defaults from the patch: G = 8, W = 1024.
/// </summary>
public sealed class SelfExtend(StrategySpec spec, SelfExtendAttention attention) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("self-extend", Create, "#17becf");
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "group_size", "window");
        return new SelfExtend(spec, new SelfExtendAttention(p.Integer("group_size", 8, 1), p.Integer("window", 1024, 1)));
    }

    public override PositionalKind Kind => PositionalKind.AttentionRope;
    public override AttentionVariant Attention => attention;
    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength) => new(InverseFrequencies(g.HeadDim, g.Theta), 1.0);
}

/// <summary>
/// Self-Extend (Jin et al., 2024, "LLM Maybe LongLM"): neighbours within <paramref name="Window"/> keep exact
/// relative positions; beyond it positions are floor-divided by <paramref name="GroupSize"/> and shifted by
/// Window - Window / GroupSize (real division, as LongLM's eager patch) so the two regions meet.
/// </summary>
public sealed record SelfExtendAttention(int GroupSize, int Window) : AttentionVariant;
