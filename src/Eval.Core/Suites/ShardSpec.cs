using System.Globalization;

namespace Eval.Core.Suites;

/// <summary>
/// Shard i of n (1-based): a deterministic slice of a suite's cases chosen by case hash, so every shard of every
/// machine agrees on the split whatever the order cases are listed in (Slurm arrays, Kubernetes indexed jobs).
/// </summary>
public sealed record ShardSpec(int Index, int Count)
{
    public static ShardSpec Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) &&
            int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1 && i >= 1 && i <= n)
            return new ShardSpec(i, n);
        throw new FormatException($"Shard \"{text}\" is not valid. Expected i/n with 1 <= i <= n, e.g. 2/4.");
    }

    public bool Contains(EvalCase c) => Count == 1 || (int)(ulong.Parse(c.Hash[..15], NumberStyles.HexNumber, CultureInfo.InvariantCulture) % (ulong)Count) == Index - 1;

    public override string ToString() => $"{Index}/{Count}";
}
