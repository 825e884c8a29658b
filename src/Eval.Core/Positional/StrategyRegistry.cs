using System.Reflection;
using Eval.Core.Validation;

namespace Eval.Core.Positional;

/// <summary>
/// Every positional strategy by name (the pattern of transformers' ROPE_INIT_FUNCTIONS). Names follow
/// transformers' rope_type where one exists; aliases are the field's common names.
/// </summary>
public static class StrategyRegistry
{
    /// <summary>
    /// Every strategy's descriptor, found rather than listed: each public static <see cref="StrategyDescriptor"/> field in
    /// this assembly (a strategy's file declares its own), so a new strategy is its file alone. Ordered by name, so
    /// listings do not depend on where a file sits.
    /// </summary>
    public static IReadOnlyList<StrategyDescriptor> Descriptors { get; } =
        typeof(StrategyRegistry).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(StrategyDescriptor))
            .Select(f => (StrategyDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Name, StringComparer.Ordinal)
            .ToList();

    private static readonly Dictionary<string, StrategyDescriptor> ByName = Descriptors.ToDictionary(d => d.Name);

    /// <summary>Alias -> canonical name.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } =
        Descriptors.SelectMany(d => d.Aliases.Select(alias => (alias, d.Name))).ToDictionary(p => p.alias, p => p.Name);

    /// <summary>Canonical names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = Descriptors.Select(d => d.Name).ToList();

    /// <summary>Canonical names and aliases: everything a user may type.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Names.Concat(Aliases.Keys).ToList();

    /// <summary>The strategies a model can be fine-tuned with (a config.json can carry them), by name.</summary>
    public static IReadOnlyList<string> TunableNames { get; } = Descriptors.Where(d => d.Tunable).Select(d => d.Name).ToList();

    /// <summary>The descriptor of a canonical name or alias, or null.</summary>
    public static StrategyDescriptor? Find(string name) =>
        ByName.GetValueOrDefault(Aliases.TryGetValue(name, out var canonical) ? canonical : name);

    /// <summary>Creates the strategy a spec names, with its parameters validated; the result's Spec is canonical.</summary>
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var descriptor = Find(spec.Name) ?? throw new StrategyException(
            $"Unknown strategy \"{spec.Name}\". Available: {string.Join(", ", AllNames)}.{DidYouMean.Hint(spec.Name, AllNames)}");
        return descriptor.Create(spec with { Name = descriptor.Name });
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
