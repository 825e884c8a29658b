namespace Eval.Core.Validation;

/// <summary>Suggests the closest valid option for a mistyped value, for error messages.</summary>
public static class DidYouMean
{
    /// <summary>
    /// The option closest to <paramref name="value"/> by edit distance (case-insensitive), or null when none is
    /// close enough to be a plausible typo (distance above half the longer word, at least 2).
    /// </summary>
    public static string? Suggest(string value, IEnumerable<string> options)
    {
        string lowered = value.ToLowerInvariant();
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string option in options)
        {
            int distance = EditDistance(lowered, option.ToLowerInvariant());
            if (distance < bestDistance) (best, bestDistance) = (option, distance);
        }
        if (best is null) return null;
        int allowed = Math.Max(2, (Math.Max(lowered.Length, best.Length) + 1) / 2);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>" Did you mean "x"?" or an empty string, ready to append to a message.</summary>
    public static string Hint(string value, IEnumerable<string> options) =>
        Suggest(value, options) is { } suggestion ? $" Did you mean \"{suggestion}\"?" : "";

    /// <summary>Levenshtein distance: insertions, deletions and substitutions each cost one.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
