namespace Eval.Core.Positional;

/// <summary>
/// Mirrors bojone/rerope's rerope_patch.py (ReRoPE, Su 2023): exact relative positions inside the window w, all
/// farther ones read as w; queries scaled by max(1, log(i + 1) / log(L0)) as in the patch. Defaults from the patch:
/// window 512, logn on.
/// </summary>
public sealed class ReRope(StrategySpec spec, ReRopeAttention attention) : RopeStrategy(spec)
{
    public static readonly StrategyDescriptor Descriptor = new("rerope", Create, "#9c755f");
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "window", "logn");
        return new ReRope(spec, new ReRopeAttention(p.Integer("window", 512, 1), p.Flag("logn", true)));
    }

    public override PositionalKind Kind => PositionalKind.AttentionRope;
    public override AttentionVariant Attention => attention;
    protected override RopeFrequencies Compute(RopeGeometry g, int sequenceLength) => new(InverseFrequencies(g.HeadDim, g.Theta), 1.0);
}

/// <summary>
/// ReRoPE (bojone/rerope): relative positions beyond <paramref name="Window"/> are clamped to the window.
/// With <paramref name="LogN"/>, queries are scaled by max(1, log(position + 1) / log(L0)), L0 being the
/// model's original context (bojone's <c>training_length</c>).
/// </summary>
public sealed record ReRopeAttention(int Window, bool LogN) : AttentionVariant;
