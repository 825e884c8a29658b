namespace Eval.Core.Positional;

/// <summary>
/// A strategy evaluated for one case of context length L. The papers set one factor per evaluation length, so a
/// static strategy's <c>factor=auto</c> means exactly max(1, L / L0) for every forward pass of the case: the sliding
/// protocol's shorter last window and a passkey prompt plus its generated tokens use the same frequencies as a full
/// window of L. Dynamic strategies (<see cref="IPositionalStrategy.FollowsRunningLength"/>) keep following the
/// running length. Everything else is the inner strategy's.
/// </summary>
public sealed class ContextLengthStrategy : IPositionalStrategy
{
    private readonly IPositionalStrategy inner;

    public int ContextLength { get; }

    /// <summary>The strategy as the suite named it.</summary>
    public IPositionalStrategy Inner => inner;

    private ContextLengthStrategy(IPositionalStrategy inner, int contextLength) => (this.inner, ContextLength) = (inner, contextLength);

    /// <summary>The strategy as used for a case of <paramref name="contextLength"/> tokens.</summary>
    public static IPositionalStrategy For(IPositionalStrategy strategy, int contextLength)
    {
        if (contextLength < 1) throw new StrategyException($"Context length {contextLength} is not valid: it must be >= 1.");
        var unwrapped = strategy is ContextLengthStrategy bound ? bound.inner : strategy;
        return unwrapped.FollowsRunningLength ? unwrapped : new ContextLengthStrategy(unwrapped, contextLength);
    }

    public StrategySpec Spec => inner.Spec;
    public PositionalKind Kind => inner.Kind;
    public AttentionVariant Attention => inner.Attention;
    public bool FollowsRunningLength => false;

    public RopeFrequencies Frequencies(RopeGeometry geometry, int sequenceLength) => inner.Frequencies(geometry, ContextLength);

    public override string ToString() => Spec.ToString();
}
