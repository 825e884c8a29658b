namespace Eval.Core.Results;

/// <summary>
/// B - A on paired units, as an estimate with a 95% interval and a two-sided p.
/// <paramref name="Estimate"/> is the mean of the cell differences: one cell per training seed and unit (document, passkey trial).
/// </summary>
public sealed record PairedDifference(double Estimate, double Low, double High, double P, int Seeds, int Units)
{
    /// <summary>The 95% interval excludes zero.</summary>
    public bool Distinguishable => Low > 0 || High < 0;
}

/// <summary>
/// A paired percentile bootstrap, two-level where there are training seeds: each of <see cref="Resamples"/> resamples
/// draws the seeds with replacement, then the units with replacement (the same units for every drawn seed, since every
/// seed's model scores the same documents and trials), and takes the mean difference of the drawn cells. Resampling
/// the seeds puts the spread between training runs into the interval, not only the spread between documents
/// (Davison and Hinkley 1997, section 3.8). The interval is the 2.5th and 97.5th percentiles; p is twice the smaller share
/// of resampled means at or beyond zero on either side, at least 2 / Resamples (the resolution of the bootstrap).
/// A fixed random seed makes every figure reproducible.
/// </summary>
public static class PairedBootstrap
{
    public const int Resamples = 10_000;
    public const int RandomSeed = 20231031;

    /// <param name="differences">differences[s][u] = B - A for training seed s and unit u; every seed has the same units, in the same order.</param>
    /// <returns>Null with fewer than two units (no spread to resample).</returns>
    public static PairedDifference? Of(IReadOnlyList<double[]> differences)
    {
        int seeds = differences.Count;
        if (seeds == 0) return null;
        int units = differences[0].Length;
        if (units < 2 || differences.Any(d => d.Length != units)) return null;
        if (differences.Any(d => d.Any(v => !double.IsFinite(v)))) return null;

        double estimate = differences.Sum(d => d.Sum()) / ((double)seeds * units);
        var random = new Random(RandomSeed);
        var means = new double[Resamples];
        var drawnSeeds = new int[seeds];
        var unitWeight = new int[units];
        int atOrBelow = 0, atOrAbove = 0;
        for (int r = 0; r < Resamples; r++)
        {
            for (int s = 0; s < seeds; s++) drawnSeeds[s] = random.Next(seeds);
            Array.Clear(unitWeight);
            for (int u = 0; u < units; u++) unitWeight[random.Next(units)]++;
            double sum = 0;
            foreach (int s in drawnSeeds)
            {
                var row = differences[s];
                for (int u = 0; u < units; u++) sum += unitWeight[u] * row[u];
            }
            double mean = sum / ((double)seeds * units);
            means[r] = mean;
            if (mean <= 0) atOrBelow++;
            if (mean >= 0) atOrAbove++;
        }
        Array.Sort(means);
        double low = means[(int)Math.Floor(0.025 * Resamples)], high = means[(int)Math.Ceiling(0.975 * Resamples) - 1];
        double p = Math.Min(1, 2.0 * Math.Max(1, Math.Min(atOrBelow, atOrAbove)) / Resamples);
        return new PairedDifference(estimate, low, high, p, seeds, units);
    }
}
