using System.Text.RegularExpressions;

namespace Eval.Core.Tasks;

/// <summary>
/// The passkey retrieval prompt of Landmark Attention (Mohtashami and Jaggi, 2023), as used by YaRN and LongLoRA:
/// task line, filler, the passkey line, more filler, the question, joined by newlines. The filler is cut at word
/// boundaries so a prompt can be fitted to a token budget; depth d puts the passkey line after a fraction d of it.
/// </summary>
public static partial class PasskeyPrompt
{
    public const string TaskLine =
        "There is an important info hidden inside a lot of irrelevant text. Find it and memorize them. I will quiz you about the important information there.";
    public const string Filler = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
    public const string Question = "What is the pass key? The pass key is";

    public static string KeyLine(string key) => $"The pass key is {key}. Remember it. {key} is the pass key.";

    private static readonly string[] FillerWords = Filler.Split(' ');

    /// <summary>The prompt with <paramref name="fillerWords"/> words of filler, the key line after a fraction <paramref name="depth"/> of them.</summary>
    public static string Compose(string key, int fillerWords, double depth)
    {
        if (depth is < 0 or > 1 || double.IsNaN(depth)) throw new ArgumentOutOfRangeException(nameof(depth), depth, "Depth must lie in [0, 1].");
        int before = (int)Math.Round(depth * fillerWords, MidpointRounding.AwayFromZero);
        var lines = new List<string> { TaskLine };
        if (before > 0) lines.Add(Words(before));
        lines.Add(KeyLine(key));
        if (fillerWords - before > 0) lines.Add(Words(fillerWords - before));
        lines.Add(Question);
        return string.Join("\n", lines);
    }

    /// <summary>
    /// The prompt whose token count (by <paramref name="countTokens"/>, which should include BOS when the model adds
    /// one) is closest to <paramref name="targetTokens"/>. Token counts grow with filler words, so a binary search
    /// over the word count finds it.
    /// </summary>
    public static (string Prompt, int Tokens) Fit(string key, int targetTokens, double depth, Func<string, int> countTokens)
    {
        int low = 0, high = 16;
        while (countTokens(Compose(key, high, depth)) < targetTokens) high *= 2;
        while (high - low > 1)
        {
            int middle = (low + high) / 2;
            if (countTokens(Compose(key, middle, depth)) < targetTokens) low = middle; else high = middle;
        }
        int lowTokens = countTokens(Compose(key, low, depth)), highTokens = countTokens(Compose(key, high, depth));
        return targetTokens - lowTokens <= highTokens - targetTokens
            ? (Compose(key, low, depth), lowTokens)
            : (Compose(key, high, depth), highTokens);
    }

    /// <summary>The first run of digits in a generation ("  12345.", "\n12345 is ..."), or null when there is none.</summary>
    public static string? FirstNumber(string generated) => FirstDigits().Match(generated) is { Success: true } m ? m.Value : null;

    private static string Words(int count) =>
        string.Join(" ", Enumerable.Range(0, count).Select(i => FillerWords[i % FillerWords.Length]));

    [GeneratedRegex(@"\d+")]
    private static partial Regex FirstDigits();
}
