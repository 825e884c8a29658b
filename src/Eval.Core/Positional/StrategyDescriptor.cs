namespace Eval.Core.Positional;

/// <summary>
/// Everything the harness knows about a strategy beside its math, declared once in the strategy's own file: its name
/// and aliases, how it is created, its chart colour, and whether and how a config.json carries it. The registry finds
/// the descriptors (public static fields of this type); tuning, tuned configs, the config reader and the charts read
/// them, so a new strategy is its file alone.
/// </summary>
/// <param name="Name">Canonical name, transformers' rope_type where there is one.</param>
/// <param name="Color">Its family's colour in every chart (hex).</param>
public sealed record StrategyDescriptor(string Name, Func<StrategySpec, IPositionalStrategy> Create, string Color)
{
    /// <summary>Other names users type for it (pi for linear).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>How a config.json carries it; null: it cannot be carried, so it cannot be tuned with (an evaluation-time trick).</summary>
    public ConfigForm? Config { get; init; }

    /// <summary>A model can be fine-tuned with it: its config.json can say what was trained.</summary>
    public bool Tunable => Config is not null;
}

/// <summary>How a config.json carries a strategy a model was tuned with.</summary>
public abstract record ConfigForm;

/// <summary>Nothing to write: the model runs as its architecture says (default RoPE at a new length, ALiBi, NoPE).</summary>
public sealed record AsArchitecture : ConfigForm;

/// <summary>
/// A new rope_theta (a base change, and static NTK, which is one): <paramref name="Theta"/> from the source's theta,
/// head size, the resolved factor and the spec.
/// </summary>
public sealed record RopeThetaForm(Func<double, int, double, StrategySpec, double> Theta) : ConfigForm;

/// <summary>
/// A rope_scaling block of transformers' rope_type = the strategy's name, with these keys read and written.
/// </summary>
/// <param name="Keys">The block's parameters (besides rope_type/type) that the strategy reads.</param>
/// <param name="WrittenDefaults">Parameters written even when defaulted, because transformers requires them (llama3's factors).</param>
/// <param name="LengthIsOriginal">max_position_embeddings is written as L0, not factor x L0 (dynamic NTK takes it as the original length).</param>
/// <param name="AttentionFactorWhenUneven">attention_factor is written out where factor x L0 is not a whole number, since
/// transformers would derive it from max_position_embeddings / original (YaRN, LongRoPE).</param>
public sealed record RopeScalingForm(IReadOnlyList<string> Keys, IReadOnlyDictionary<string, string>? WrittenDefaults = null,
    bool LengthIsOriginal = false, bool AttentionFactorWhenUneven = false) : ConfigForm;
