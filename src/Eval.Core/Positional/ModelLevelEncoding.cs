namespace Eval.Core.Positional;

/// <summary>
/// The model-level encodings of models trained from scratch without RoPE: ALiBi (Press et al., 2022; linear
/// attention biases with the paper's head slopes) and NoPE (Kazemnejad et al., 2023; causal mask only).
/// They have no frequencies to change: the strategy just names how the model was trained.
/// </summary>
public sealed class ModelLevelEncoding(StrategySpec spec, PositionalKind kind) : IPositionalStrategy
{
    public static IPositionalStrategy CreateAlibi(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.Alibi); }
    public static IPositionalStrategy CreateNoPE(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.NoPE); }

    public StrategySpec Spec { get; } = spec;
    public PositionalKind Kind { get; } = kind;
    public AttentionVariant Attention => AttentionVariant.Standard;
    public bool FollowsRunningLength => false;

    public RopeFrequencies Frequencies(RopeGeometry geometry, int sequenceLength) =>
        throw new InvalidOperationException($"Strategy \"{Spec.Name}\" is a model-level encoding and has no RoPE frequencies.");

    public override string ToString() => Spec.ToString();
}
