using System.Globalization;
using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Results;

namespace Eval.Core.Tasks;

/// <summary>
/// Passkey retrieval (Landmark Attention's template, as YaRN and LongLoRA use it) on a depth grid: each trial hides a
/// seeded random key in a prompt fitted so that prompt and key together fill the context length, generates greedily,
/// and is correct when the first run of digits generated equals the key. A teacher-forced score of the key
/// (log-probability and ranks) gives a partial signal where exact match saturates.
/// </summary>
public sealed class PasskeyTask : IEvalTask
{
    private static readonly double[] DefaultDepths = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
    private readonly double[] depths;
    private readonly int trials, digits, maxNewTokens;

    public PasskeyTask(IReadOnlyDictionary<string, string> parameters)
    {
        var p = new TaskParameters("passkey", parameters, "depths", "trials", "digits", "max_new_tokens");
        depths = p.Numbers("depths", DefaultDepths, 0, 1);
        trials = p.Integer("trials", 5, 1);
        digits = p.Integer("digits", 5, 1, 18);
        maxNewTokens = p.Integer("max_new_tokens", 10, 1, 1000);
        p.ThrowIfInvalid();
        CanonicalParameters = p.Canonical;
    }

    public const string TaskName = "passkey";

    /// <summary>
    /// A stored case's units for a paired test: each trial, 1 retrieved or 0 not, by depth and trial number. Keys are
    /// seeded by length, depth and trial, so every model and strategy of a run meets the same passkeys.
    /// </summary>
    public static IReadOnlyDictionary<string, double> PairedUnits(CaseResult stored)
    {
        var units = new Dictionary<string, double>();
        foreach (var (point, index) in stored.Series.Where(p => p.Series == TrialSeries).GroupBy(p => p.X).SelectMany(g => g.Select((p, i) => (p, i))))
            units[string.Create(CultureInfo.InvariantCulture, $"depth={point.X:R}#{index}")] = point.Y;
        return units;
    }

    /// <summary>One point per trial: x the depth, y 1 when retrieved.</summary>
    public const string TrialSeries = "passkey_trial";

    /// <summary>Share of trials retrieved: higher is better, compared in absolute terms.</summary>
    public static readonly HeadlineMetric Accuracy = new("accuracy", HigherIsBetter: true, RelativeChange: false, NoiseModel.Binomial);

    public string Name => TaskName;
    public string CanonicalParameters { get; }
    public HeadlineMetric Headline => Accuracy;

    public TaskResult Run(ILanguageModel model, int contextLength, int seed, IProgress<double>? progress, CancellationToken cancel)
    {
        int bos = model.BosId is null ? 0 : 1;
        int questionTokens = model.Encode(PasskeyPrompt.Question).Count;
        var series = new List<SeriesPoint>();
        var correctByDepth = new int[depths.Length];
        double logProbSum = 0, rankSum = 0;
        long processed = 0;
        int total = depths.Length * trials, done = 0, lengthMisses = 0;
        for (int d = 0; d < depths.Length; d++)
        {
            for (int trial = 0; trial < trials; trial++)
            {
                cancel.ThrowIfCancellationRequested();
                string key = Key(seed, contextLength, d, trial);
                // The key's tokens fit in the context too (as RULER reserves its generation budget): a case at length L never
                // asks for a token at position L or beyond, where a model trained on L tokens has never been.
                int keyTokens = model.Encode(PasskeyPrompt.Question + " " + key).Count - questionTokens;
                int promptTokens = contextLength - keyTokens;
                var (prompt, tokens) = PasskeyPrompt.Fit(key, promptTokens, depths[d], text => model.Encode(text).Count + bos);
                if (Math.Abs(tokens - promptTokens) > 0.01 * contextLength) lengthMisses++;
                int[] promptIds = [.. Prefix(model), .. model.Encode(prompt)];
                // Generated tokens are fed back up to position L - 1 and no further: the key plus one token, which still shows a
                // number that runs on past the key.
                var generated = model.GenerateGreedy(promptIds, Math.Max(1, Math.Min(maxNewTokens, contextLength - promptIds.Length + 1)));
                string text = model.Decode(generated);
                bool correct = PasskeyPrompt.FirstNumber(text) == key;
                if (correct) correctByDepth[d]++;

                var (logProb, meanRank, exact) = TeacherForced(model, promptIds, prompt, key);
                logProbSum += logProb;
                rankSum += meanRank;
                processed += promptIds.Length * 2L + generated.Count;
                series.Add(new SeriesPoint(TrialSeries, depths[d], correct ? 1 : 0, JsonSerializer.Serialize(new
                {
                    length = promptIds.Length, depth = depths[d], key, generated = text, correct, logprob = logProb, mean_rank = meanRank, key_argmax = exact,
                })));
                progress?.Report(++done / (double)total);
            }
        }
        var metrics = new List<MetricValue>
        {
            new("accuracy", correctByDepth.Sum(), total, correctByDepth.Sum() / (double)total),
            new("key_logprob", logProbSum, total, logProbSum / total),
            new("key_rank", rankSum, total, rankSum / total),
        };
        for (int d = 0; d < depths.Length; d++)
            metrics.Add(new MetricValue($"accuracy@{depths[d].ToString("0.###", CultureInfo.InvariantCulture)}", correctByDepth[d], trials, correctByDepth[d] / (double)trials));
        if (lengthMisses > 0)
            throw new TaskException($"{lengthMisses} of {total} passkey prompts could not be fitted so that prompt and key fill {contextLength} tokens within 1%.");
        string protocol = $"passkey landmark-template length={contextLength} (prompt + key) depths={depths.Length} trials={trials} digits={digits} greedy max_new_tokens={maxNewTokens}";
        return new TaskResult(metrics, series, processed, protocol);
    }

    private static int[] Prefix(ILanguageModel model) => model.BosId is int b ? [b] : [];

    /// <summary>Log-probability (sum) and mean rank of the key's tokens after the prompt, in one forward pass.</summary>
    private static (double LogProb, double MeanRank, bool Argmax) TeacherForced(ILanguageModel model, int[] promptIds, string prompt, string key)
    {
        int[] full = [.. Prefix(model), .. model.Encode(prompt + " " + key)];
        // Where the tokenizer merges across the boundary, score from the first token that differs from the prompt's.
        int shared = 0;
        while (shared < Math.Min(full.Length, promptIds.Length) && full[shared] == promptIds[shared]) shared++;
        var scores = model.Score([new ScoringWindow(full, Math.Max(1, shared), WithRanks: true)])[0];
        return (-scores.Nll.Sum(x => (double)x), scores.Ranks!.Average(), scores.Ranks!.All(r => r == 0));
    }

    /// <summary>A key of n digits, a pure function of (seed, length, depth index, trial): reproducible and independent of run order.</summary>
    private string Key(int seed, int length, int depth, int trial)
    {
        var random = new Random(unchecked(seed * 1_000_003 + length * 10_007 + depth * 101 + trial));
        long low = (long)Math.Pow(10, digits - 1), high = (long)Math.Pow(10, digits);
        return random.NextInt64(low, high).ToString(CultureInfo.InvariantCulture);
    }
}
