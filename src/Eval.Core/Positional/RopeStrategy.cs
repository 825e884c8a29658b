namespace Eval.Core.Positional;

/// <summary>Base of the strategies that only change RoPE's frequencies and attention factor.</summary>
public abstract class RopeStrategy(StrategySpec spec) : IPositionalStrategy
{
    public StrategySpec Spec { get; } = spec;
    public virtual PositionalKind Kind => PositionalKind.Rope;
    public virtual AttentionVariant Attention => AttentionVariant.Standard;
    public virtual bool FollowsRunningLength => false;

    public RopeFrequencies Frequencies(RopeGeometry geometry, int sequenceLength)
    {
        if (geometry.HeadDim < 2 || geometry.HeadDim % 2 != 0)
            throw new StrategyException($"Head dimension {geometry.HeadDim} is not valid for RoPE: it must be even and >= 2.");
        if (!(geometry.Theta > 1)) throw new StrategyException($"RoPE theta {geometry.Theta} is not valid: it must be > 1.");
        if (geometry.OriginalContext < 1) throw new StrategyException($"Original context {geometry.OriginalContext} is not valid: it must be >= 1.");
        if (sequenceLength < 1) throw new StrategyException($"Sequence length {sequenceLength} is not valid: it must be >= 1.");
        return Compute(geometry, sequenceLength);
    }

    protected abstract RopeFrequencies Compute(RopeGeometry geometry, int sequenceLength);

    /// <summary>RoPE's inverse frequencies theta^(-2i/d), i = 0 .. d/2 - 1, in double.</summary>
    public static double[] InverseFrequencies(int headDim, double theta) =>
        Enumerable.Range(0, headDim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / headDim)).ToArray();

    public override string ToString() => Spec.ToString();
}
