namespace Eval.Core.Positional;

/// <summary>
/// The model-level encodings of models trained from scratch without RoPE: ALiBi (Press et al., 2022; linear
/// attention biases with the paper's head slopes), KERPLE-log (Chi et al., 2022; biases -r1 log(1 + r2 (i - j)) with
/// per-head r1, r2 learned in each layer), xPos (Sun et al., 2022; RoPE at the model's rope_theta with query and key
/// scaled by zeta^(+-position / 512): its rotation is fixed, so RoPE strategies do not run on it), HWFA (Su, 2023;
/// every layer but the last windowed with RoPE, the last full attention without positions and with log-n), NoPE (Kazemnejad et al., 2023; causal mask only), sinusoidal
/// (Vaswani et al., 2017; fixed sin/cos added to the embeddings, continued by its formula past L0) and learned
/// (GPT-2's trained table of L0 rows; no row past L0, so such cases are not applicable).
/// They have no frequencies to change: the strategy just names how the model was trained.
/// </summary>
public sealed class ModelLevelEncoding(StrategySpec spec, PositionalKind kind) : IPositionalStrategy
{
    public static readonly StrategyDescriptor Alibi = new("alibi", CreateAlibi, "#2f4b7c") { Config = new AsArchitecture() };
    public static readonly StrategyDescriptor Kerple = new("kerple", CreateKerple, "#00876c");   // not tunable yet: fine-tuning a KERPLE model is untested
    public static readonly StrategyDescriptor Xpos = new("xpos", CreateXpos, "#bcbd22");   // not tunable yet, as kerple
    public static readonly StrategyDescriptor Hwfa = new("hwfa", CreateHwfa, "#7f7f7f");   // not tunable yet, as kerple
    public static readonly StrategyDescriptor NoPE = new("nope", CreateNoPE, "#d62728") { Config = new AsArchitecture() };
    public static readonly StrategyDescriptor Sinusoidal = new("sinusoidal", CreateSinusoidal, "#637939");
    public static readonly StrategyDescriptor Learned = new("learned", CreateLearned, "#843c39");
    public static IPositionalStrategy CreateAlibi(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.Alibi); }
    public static IPositionalStrategy CreateKerple(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.Kerple); }
    public static IPositionalStrategy CreateXpos(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.Xpos); }
    public static IPositionalStrategy CreateHwfa(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.Hwfa); }
    public static IPositionalStrategy CreateNoPE(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.NoPE); }
    public static IPositionalStrategy CreateSinusoidal(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.Sinusoidal); }
    public static IPositionalStrategy CreateLearned(StrategySpec spec) { _ = new StrategyParameters(spec); return new ModelLevelEncoding(spec, PositionalKind.Learned); }

    public StrategySpec Spec { get; } = spec;
    public PositionalKind Kind { get; } = kind;
    public AttentionVariant Attention => AttentionVariant.Standard;
    public bool FollowsRunningLength => false;

    public RopeFrequencies Frequencies(RopeGeometry geometry, int sequenceLength) =>
        throw new InvalidOperationException($"Strategy \"{Spec.Name}\" is a model-level encoding and has no RoPE frequencies.");

    public override string ToString() => Spec.ToString();
}
