using System.Globalization;
using Eval.Core.Validation;

namespace Eval.Core.Positional;

/// <summary>
/// Typed, validated access to a spec's parameters. Every accepted key must be declared up front, so an
/// unknown key is an error listing the accepted ones rather than a silently ignored typo.
/// </summary>
public sealed class StrategyParameters
{
    private readonly StrategySpec spec;

    public StrategyParameters(StrategySpec spec, params string[] accepted)
    {
        this.spec = spec;
        foreach (string key in spec.Parameters.Keys)
            if (!accepted.Contains(key))
                throw new StrategyException(
                    $"Strategy \"{spec.Name}\" has no parameter \"{key}\". " +
                    (accepted.Length == 0 ? "It takes no parameters." : $"Accepted: {string.Join(", ", accepted)}.") +
                    DidYouMean.Hint(key, accepted));
    }

    public bool Has(string key) => spec.Parameters.ContainsKey(key);

    public double NumberOr(string key, double fallback, double min = double.NegativeInfinity, bool exclusiveMin = false) =>
        Has(key) ? Number(key, min, exclusiveMin) : fallback;

    public double Number(string key, double min = double.NegativeInfinity, bool exclusiveMin = false)
    {
        if (!spec.Parameters.TryGetValue(key, out string? text))
            throw new StrategyException($"Strategy \"{spec.Name}\" needs parameter \"{key}\" (e.g. {spec.Name}:{key}=...).");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new StrategyException($"Strategy \"{spec.Name}\": {key}={text} is not a number.");
        if (value < min || (exclusiveMin && value == min))
            throw new StrategyException($"Strategy \"{spec.Name}\": {key}={text} must be {(exclusiveMin ? ">" : ">=")} {min.ToString(CultureInfo.InvariantCulture)}.");
        return value;
    }

    public int Integer(string key, int fallback, int min)
    {
        if (!Has(key)) return fallback;
        double value = Number(key, min);
        if (value != Math.Floor(value) || value > int.MaxValue)
            throw new StrategyException($"Strategy \"{spec.Name}\": {key}={spec.Parameters[key]} must be a whole number >= {min}.");
        return (int)value;
    }

    public bool Flag(string key, bool fallback)
    {
        if (!spec.Parameters.TryGetValue(key, out string? text)) return fallback;
        return text.ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new StrategyException($"Strategy \"{spec.Name}\": {key}={text} must be true or false."),
        };
    }

    /// <summary>A scaling factor: a number >= 1, or <c>auto</c> (max(1, L / L0) for the current length).</summary>
    public ScalingFactor Factor(string key = "factor", bool required = true)
    {
        if (!spec.Parameters.TryGetValue(key, out string? text))
            return required
                ? throw new StrategyException($"Strategy \"{spec.Name}\" needs parameter \"{key}\": a number >= 1 or auto (e.g. {spec.Name}:{key}=8).")
                : ScalingFactor.Fixed(1);
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return ScalingFactor.Auto;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < 1)
            throw new StrategyException($"Strategy \"{spec.Name}\": {key}={text} is not valid. Expected a number >= 1 or auto.");
        return ScalingFactor.Fixed(value);
    }

    /// <summary>A list of positive numbers separated by '|' or ';' (LongRoPE's per-dimension factors).</summary>
    public double[] List(string key)
    {
        if (!spec.Parameters.TryGetValue(key, out string? text))
            throw new StrategyException($"Strategy \"{spec.Name}\" needs parameter \"{key}\": numbers separated by '|'.");
        return text.Split(['|', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(part =>
            double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0 ? v
                : throw new StrategyException($"Strategy \"{spec.Name}\": {key} entry \"{part}\" is not a positive number.")).ToArray();
    }
}
