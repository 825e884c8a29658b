using System.Globalization;
using System.Text.RegularExpressions;

namespace Eval.Core.Suites;

/// <summary>
/// How a tuned model trained once per seed of a suite's <c>seeds:</c> list is named: NAME@seed=S. The report and
/// `eval compare` group replicates by NAME from the stored model name alone, so runs stored by any version group alike.
/// </summary>
public static partial class TrainingSeed
{
    /// <summary>A suite lists at most this many seeds: each one trains every tuned model of the suite again.</summary>
    public const int MaxSeeds = 100;

    public static string Name(string model, int seed) => string.Create(CultureInfo.InvariantCulture, $"{model}@seed={seed}");

    /// <summary>The model without its seed and the seed; a model trained once (or not trained) is its own group, seed null.</summary>
    public static (string Group, int? Seed) Parse(string model) =>
        Suffix().Match(model) is { Success: true } m && int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int seed)
            ? (m.Groups[1].Value, seed) : (model, null);

    [GeneratedRegex(@"^(.+)@seed=(\d+)$")]
    private static partial Regex Suffix();
}
