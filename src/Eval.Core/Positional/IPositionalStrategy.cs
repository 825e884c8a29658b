namespace Eval.Core.Positional;

/// <summary>
/// One positional strategy with its parameters bound (for example <c>yarn:factor=8</c>).
/// Implementations are immutable and keep no state between calls, so results never depend on
/// the order in which lengths are evaluated.
/// </summary>
public interface IPositionalStrategy
{
    /// <summary>The parsed spec this strategy was created from, in canonical form.</summary>
    StrategySpec Spec { get; }

    /// <summary>Where in the model this strategy acts.</summary>
    PositionalKind Kind { get; }

    /// <summary>The attention computation to use; <see cref="AttentionVariant.Standard"/> for plain RoPE strategies.</summary>
    AttentionVariant Attention { get; }

    /// <summary>
    /// True for the dynamic schemes, which recompute their factor from the running sequence length at every forward
    /// pass; false for the static ones, whose one factor belongs to the evaluated case (see <see cref="ContextLengthStrategy"/>).
    /// </summary>
    bool FollowsRunningLength { get; }

    /// <summary>
    /// RoPE inverse frequencies and attention factor for a model geometry at the current sequence length
    /// (the total length seen by the forward pass, cached tokens included). Only meaningful for
    /// <see cref="PositionalKind.Rope"/> and <see cref="PositionalKind.AttentionRope"/>.
    /// </summary>
    RopeFrequencies Frequencies(RopeGeometry geometry, int sequenceLength);
}
