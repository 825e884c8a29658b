namespace Eval.Core.Positional;

/// <summary>
/// Mirrors Su's hierarchical decomposition of a learned position table ("层次分解位置编码", 2020; the survey's "BERT MLM
/// accuracy under different alpha" figure): with the n trained rows p_0..p_{n-1} rewritten as u_i = (p_i - alpha p_0) / (1 - alpha),
/// position i n + j reads alpha u_i + (1 - alpha) u_j. The first n positions get exactly their trained rows back
/// (i = 0 gives p_j); the table reaches n^2 positions.
/// </summary>
public sealed class HierarchicalPositions(StrategySpec spec, double alpha) : IPositionalStrategy
{
    public static readonly StrategyDescriptor Descriptor = new("hierarchical", Create, "#e377c2");
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "alpha");
        double alpha = p.NumberOr("alpha", 0.4, min: 0);
        if (alpha >= 1) throw new StrategyException($"Strategy \"{spec.Name}\": alpha={spec.Parameters["alpha"]} must be >= 0 and < 1 (u_i divides by 1 - alpha).");
        return new HierarchicalPositions(spec, alpha);
    }

    public double Alpha { get; } = alpha;
    public StrategySpec Spec { get; } = spec;
    public PositionalKind Kind => PositionalKind.Learned;
    public AttentionVariant Attention => AttentionVariant.Standard;
    public bool FollowsRunningLength => false;

    /// <summary>Positions a table of <paramref name="rows"/> rows reaches: rows^2.</summary>
    public static long Reach(int rows) => (long)rows * rows;

    /// <summary>Position = outer x rows + inner.</summary>
    public static (int Outer, int Inner) Split(int position, int rows) => (position / rows, position % rows);

    public RopeFrequencies Frequencies(RopeGeometry geometry, int sequenceLength) =>
        throw new InvalidOperationException($"Strategy \"{Spec.Name}\" stretches a learned position table and has no RoPE frequencies.");

    public override string ToString() => Spec.ToString();
}
