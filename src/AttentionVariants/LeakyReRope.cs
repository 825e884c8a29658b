namespace Eval.Core.Positional;

/// <summary>
/// Mirrors bojone/rerope's leaky_rerope_patch.py (Leaky ReRoPE): inside the window exact positions, beyond it relative
/// position r reads w + (r - w) / k; log-n query scaling as in the patch. Defaults from the patch: window 512, k 16, logn on.
/// </summary>
public sealed class LeakyReRope(StrategySpec spec, LeakyReRopeAttention attention) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("leaky-rerope", Create, "#bab0ac");
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "window", "k", "logn");
        return new LeakyReRope(spec, new LeakyReRopeAttention(p.Integer("window", 512, 1), p.NumberOr("k", 16, 1), p.Flag("logn", true)));
    }

    public override PositionalKind Kind => PositionalKind.AttentionRope;
    public override AttentionVariant Attention => attention;
    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength) => new(InverseFrequencies(g.HeadDim, g.Theta), 1.0);
}

/// <summary>
/// Leaky ReRoPE (bojone/rerope): relative position r beyond the window becomes w + (r - w) / K.
/// <paramref name="LogN"/> scales queries as in <see cref="ReRopeAttention"/> (the reference patch applies it too).
/// </summary>
public sealed record LeakyReRopeAttention(int Window, double K, bool LogN) : AttentionVariant;
