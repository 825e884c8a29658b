using System.Text.RegularExpressions;

namespace Eval.Core.Tasks;

/// <summary>
/// The passkey retrieval prompt of Landmark Attention (Mohtashami and Jaggi, 2023), as used by YaRN and LongLoRA:
/// task line, filler, the passkey line, more filler, the question, joined by newlines. As in the reference, the filler
/// is the repeated filler text cut after n characters, so a prompt can be fitted to a token budget closely; depth d
/// puts the passkey line after a fraction d of the filler.
/// </summary>
public static partial class PasskeyPrompt
{
    public const string TaskLine =
        "There is an important info hidden inside a lot of irrelevant text. Find it and memorize them. I will quiz you about the important information there.";
    public const string Filler = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";
    public const string Question = "What is the pass key? The pass key is";

    public static string KeyLine(string key) => $"The pass key is {key}. Remember it. {key} is the pass key.";

    /// <summary>The prompt with <paramref name="fillerChars"/> characters of filler, the key line after a fraction <paramref name="depth"/> of them.</summary>
    public static string Compose(string key, int fillerChars, double depth)
    {
        if (depth is < 0 or > 1 || double.IsNaN(depth)) throw new ArgumentOutOfRangeException(nameof(depth), depth, "Depth must lie in [0, 1].");
        int before = (int)Math.Round(depth * fillerChars, MidpointRounding.AwayFromZero);
        var lines = new List<string> { TaskLine };
        if (before > 0) lines.Add(FillerText(before));
        lines.Add(KeyLine(key));
        if (fillerChars - before > 0) lines.Add(FillerText(fillerChars - before));
        lines.Add(Question);
        return string.Join("\n", lines);
    }

    /// <summary>
    /// The prompt whose token count (by <paramref name="countTokens"/>, which should include BOS when the model adds
    /// one) is closest to <paramref name="targetTokens"/>. Token counts grow with filler words, so a binary search
    /// over the filler length finds it; cutting mid-word can make counts wobble by a token, so the neighbours of the
    /// search's answer are compared too.
    /// </summary>
    public static (string Prompt, int Tokens) Fit(string key, int targetTokens, double depth, Func<string, int> countTokens)
    {
        int low = 0, high = 64;
        while (countTokens(Compose(key, high, depth)) < targetTokens) high *= 2;
        while (high - low > 1)
        {
            int middle = (low + high) / 2;
            if (countTokens(Compose(key, middle, depth)) < targetTokens) low = middle; else high = middle;
        }
        return Enumerable.Range(Math.Max(0, low - 4), 10)
            .Select(n => (Prompt: Compose(key, n, depth), Tokens: countTokens(Compose(key, n, depth))))
            .MinBy(c => (Math.Abs(c.Tokens - targetTokens), c.Tokens));
    }

    /// <summary>The first run of digits in a generation ("  12345.", "\n12345 is ..."), or null when there is none.</summary>
    public static string? FirstNumber(string generated) => FirstDigits().Match(generated) is { Success: true } m ? m.Value : null;

    /// <summary>The filler repeated (joined by spaces, as the reference's " ".join) and cut after <paramref name="count"/> characters.</summary>
    private static string FillerText(int count)
    {
        var text = new System.Text.StringBuilder(count + Filler.Length);
        while (text.Length < count) text.Append(text.Length == 0 ? Filler : " " + Filler);
        return text.ToString(0, count);
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex FirstDigits();
}
