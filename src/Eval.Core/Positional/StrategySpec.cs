using System.Globalization;

namespace Eval.Core.Positional;

/// <summary>
/// A strategy string <c>NAME[:key=value,...]</c>, e.g. <c>yarn:factor=8</c> or <c>rerope:window=128</c>.
/// Parsed the same way everywhere (CLI flags and suites). Names and keys are lower-cased; values are kept as text
/// and interpreted by the strategy, which validates them.
/// </summary>
public sealed record StrategySpec(string Name, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>Parses <c>NAME[:key=value,...]</c>. Throws <see cref="FormatException"/> naming the bad part.</summary>
    public static StrategySpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0) throw new FormatException("Strategy is empty. Expected NAME[:key=value,...], e.g. yarn:factor=8.");
        int colon = trimmed.IndexOf(':');
        string name = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToLowerInvariant();
        if (name.Length == 0) throw new FormatException($"Strategy \"{text}\" has no name before ':'.");
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (colon >= 0)
        {
            foreach (string part in trimmed[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries))
            {
                int eq = part.IndexOf('=');
                if (eq <= 0 || eq == part.Length - 1)
                    throw new FormatException($"Strategy \"{text}\": parameter \"{part}\" is not key=value.");
                string key = part[..eq].Trim().ToLowerInvariant().Replace('-', '_');
                if (!parameters.TryAdd(key, part[(eq + 1)..].Trim()))
                    throw new FormatException($"Strategy \"{text}\": parameter \"{key}\" is given twice.");
            }
        }
        return new StrategySpec(name, parameters);
    }

    /// <summary>Builds a spec from a name and already-separated parameters (suite maps, CLI options).</summary>
    public static StrategySpec Create(string name, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters) sorted[key.Trim().ToLowerInvariant().Replace('-', '_')] = value.Trim();
        return new StrategySpec(name.Trim().ToLowerInvariant(), sorted);
    }

    /// <summary>Canonical text: name, then parameters sorted by key. Stable, so it can go into case hashes.</summary>
    public override string ToString() =>
        Parameters.Count == 0 ? Name : Name + ":" + string.Join(",", Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    /// <summary>True when both name and parameters are equal.</summary>
    public bool Equals(StrategySpec? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
