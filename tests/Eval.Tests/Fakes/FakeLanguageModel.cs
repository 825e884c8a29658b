using System.Text.RegularExpressions;
using Eval.Core.Models;
using Eval.Core.Positional;

namespace Eval.Tests.Fakes;

/// <summary>
/// A deterministic stand-in for a model, for task tests: a word- or character-level tokenizer with a growing
/// vocabulary, NLLs that are a known function of (position, token), and a generator that "retrieves" the passkey
/// from the prompt text (or answers what a test scripts).
/// </summary>
public sealed class FakeLanguageModel(bool characterLevel = false, int? bos = 1) : ILanguageModel
{
    private readonly Dictionary<string, int> ids = [];
    private readonly List<string> pieces = ["<unk>", "<s>", "</s>"];

    public int TrainedLength { get; init; } = 256;
    public int? BosId => bos;
    public int? EosId => 2;
    public IPositionalStrategy Strategy { get; set; } = StrategyRegistry.Create("default");
    public List<ScoringWindow> Scored { get; } = [];
    public Func<string, string>? Answer { get; set; }

    /// <summary>The NLL the fake gives token <paramref name="token"/> at window position <paramref name="position"/>.</summary>
    public static float NllOf(int position, int token) => 1f + token % 7 / 10f + position / 1000f;

    public IReadOnlyList<int> Encode(string text)
    {
        var units = characterLevel ? text.Select(c => c.ToString()) : Regex.Matches(text, @"\S+|\s+").Select(m => m.Value).Where(w => !string.IsNullOrWhiteSpace(w) || w.Contains('\n'));
        return units.Select(unit =>
        {
            if (!ids.TryGetValue(unit, out int id)) { id = pieces.Count; ids[unit] = id; pieces.Add(unit); }
            return id;
        }).ToList();
    }

    public string Decode(IReadOnlyList<int> tokens) =>
        string.Join(characterLevel ? "" : " ", tokens.Where(t => t > 2).Select(t => pieces[t]));

    public IReadOnlyList<WindowScores> Score(IReadOnlyList<ScoringWindow> windows)
    {
        Scored.AddRange(windows);
        return windows.Select(w =>
        {
            var nll = Enumerable.Range(w.FirstTarget, w.Tokens.Length - w.FirstTarget).Select(i => NllOf(i, w.Tokens[i])).ToArray();
            return new WindowScores(nll, w.WithRanks ? nll.Select(x => x > 1.35f ? 1 : 0).ToArray() : null);
        }).ToList();
    }

    /// <summary>The passkey a prompt holds ("... pass key is 12345 ..."), or "" when it holds none.</summary>
    public static string KeyIn(string prompt) => Regex.Match(prompt, @"pass key is (\d+)").Groups[1].Value;

    public IReadOnlyList<int> GenerateGreedy(IReadOnlyList<int> prompt, int maxNewTokens)
    {
        string text = Decode(prompt);
        string answer = Answer?.Invoke(text) ?? KeyIn(text) + ".";
        return Encode(" " + answer).Take(maxNewTokens).ToList();
    }

    public void Dispose() { }
}
