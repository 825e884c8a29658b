using Eval.Core.Validation;

namespace Eval.Core.Positional;

/// <summary>
/// Every positional strategy by name (the pattern of transformers' ROPE_INIT_FUNCTIONS). Names follow
/// transformers' rope_type where one exists; aliases are the field's common names.
/// </summary>
public static class StrategyRegistry
{
    private static readonly Dictionary<string, Func<StrategySpec, IPositionalStrategy>> Factories = new()
    {
        ["default"] = DefaultRope.Create,
        ["base"] = BaseChangeRope.Create,
        ["linear"] = LinearRope.Create,
        ["ntk"] = NtkRope.Create,
        ["dynamic"] = DynamicNtkRope.Create,
        ["yarn"] = YarnRope.Create,
        ["dynamic-yarn"] = DynamicYarnRope.Create,
        ["llama3"] = Llama3Rope.Create,
        ["longrope"] = LongRope.Create,
        ["rerope"] = ReRope.Create,
        ["leaky-rerope"] = LeakyReRope.Create,
        ["self-extend"] = SelfExtend.Create,
        ["alibi"] = ModelLevelEncoding.CreateAlibi,
        ["nope"] = ModelLevelEncoding.CreateNoPE,
        ["sinusoidal"] = ModelLevelEncoding.CreateSinusoidal,
        ["learned"] = ModelLevelEncoding.CreateLearned,
        ["hierarchical"] = HierarchicalPositions.Create,
        ["sinks"] = AttentionSinks.Create,
    };

    /// <summary>Alias -> canonical name.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>
    {
        ["none"] = "default",
        ["pi"] = "linear",
        ["dynamic-ntk"] = "dynamic",
    };

    /// <summary>Canonical names, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = Factories.Keys.ToList();

    /// <summary>Canonical names and aliases: everything a user may type.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Names.Concat(Aliases.Keys).ToList();

    /// <summary>Creates the strategy a spec names, with its parameters validated; the result's Spec is canonical.</summary>
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        string name = Aliases.TryGetValue(spec.Name, out var canonical) ? canonical : spec.Name;
        if (!Factories.TryGetValue(name, out var factory))
            throw new StrategyException(
                $"Unknown strategy \"{spec.Name}\". Available: {string.Join(", ", AllNames)}.{DidYouMean.Hint(spec.Name, AllNames)}");
        return factory(spec with { Name = name });
    }

    /// <summary>Parses <c>NAME[:key=value,...]</c> and creates the strategy.</summary>
    public static IPositionalStrategy Create(string text)
    {
        StrategySpec spec;
        try { spec = StrategySpec.Parse(text); }
        catch (FormatException e) { throw new StrategyException(e.Message); }
        return Create(spec);
    }

    /// <summary>Like <see cref="Create(StrategySpec)"/>, reporting the problem instead of throwing.</summary>
    public static bool TryCreate(StrategySpec spec, out IPositionalStrategy? strategy, out string? error)
    {
        try
        {
            (strategy, error) = (Create(spec), null);
            return true;
        }
        catch (StrategyException e)
        {
            (strategy, error) = (null, e.Message);
            return false;
        }
    }
}
