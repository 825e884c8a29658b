using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Results;
using Eval.Core.Tasks;
using Eval.Tests.Fakes;

namespace Eval.Tests.Tasks;

/// <summary>
/// Every figure a passkey case stores, checked against what the fake model was asked and answered (issue #23: Stryker's
/// run over Eval.Core found key_logprob, key_rank, per-depth accuracy, tokens processed and the generation budget held by
/// no test). The fake is character-level, so the key " 12345" is six scored tokens.
/// </summary>
public class PasskeyFigureTests
{
    const int Length = 256;

    /// <summary>Depths 0 and 1, two trials each; the answers are right, wrong, right, right in the order the task asks.</summary>
    static (TaskResult Result, FakeLanguageModel Model, ProgressRecorder Progress) Run(int? bos = 1)
    {
        int call = 0;
        var model = new FakeLanguageModel(characterLevel: true, bos)
        {
            Answer = prompt => call++ == 1 ? "99999. No more." : FakeLanguageModel.KeyIn(prompt) + ". No more.",
        };
        var progress = new ProgressRecorder();
        var result = new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|1", ["trials"] = "2" }).Run(model, Length, 3, progress, CancellationToken.None);
        return (result, model, progress);
    }

    static JsonElement[] Trials(TaskResult result) =>
        result.Series.Where(s => s.Series == "passkey_trial").Select(s => JsonDocument.Parse(s.ExtraJson!).RootElement).ToArray();

    [Test]
    public void Run_Accuracy_OverallAndPerDepth_CountTheRightAnswers()
    {
        var (result, _, _) = Run();
        var metric = result.Metrics.ToDictionary(m => m.Name);
        Assert.That((metric["accuracy"].Sum, metric["accuracy"].Count, metric["accuracy"].Value), Is.EqualTo((3.0, 4L, 0.75)));
        Assert.That((metric["accuracy@0"].Sum, metric["accuracy@0"].Count, metric["accuracy@0"].Value), Is.EqualTo((1.0, 2L, 0.5)));
        Assert.That((metric["accuracy@1"].Sum, metric["accuracy@1"].Count, metric["accuracy@1"].Value), Is.EqualTo((2.0, 2L, 1.0)));
        Assert.That(result.Series.Select(s => (s.X, s.Y)), Is.EqualTo(new[] { (0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 1.0) }));
    }

    [Test]
    public void Run_KeyLogprobAndRank_AreTheTeacherForcedScoresOfTheKeyTokens()
    {
        var (result, model, _) = Run();
        Assert.That(model.Scored, Has.Count.EqualTo(4), "one teacher-forced window per trial");
        var trials = Trials(result);
        double logprobSum = 0, rankSum = 0;
        bool mixed = false;
        for (int i = 0; i < 4; i++)
        {
            var window = model.Scored[i];
            var targets = Enumerable.Range(window.FirstTarget, window.Tokens.Length - window.FirstTarget).ToArray();
            Assert.That(model.Decode(targets.Select(t => window.Tokens[t]).ToList()), Is.EqualTo(" " + trials[i].GetProperty("key").GetString()),
                "exactly the key's tokens, with the space before it, are scored");
            double logprob = -targets.Sum(t => (double)FakeLanguageModel.NllOf(t, window.Tokens[t]));
            int[] ranks = targets.Select(t => FakeLanguageModel.NllOf(t, window.Tokens[t]) > 1.35f ? 1 : 0).ToArray(); // the fake's ranks
            mixed |= ranks.Distinct().Count() > 1;
            Assert.That(trials[i].GetProperty("logprob").GetDouble(), Is.EqualTo(logprob).Within(1e-9));
            Assert.That(trials[i].GetProperty("mean_rank").GetDouble(), Is.EqualTo(ranks.Average()).Within(1e-12));
            Assert.That(trials[i].GetProperty("key_argmax").GetBoolean(), Is.EqualTo(ranks.All(r => r == 0)));
            logprobSum += logprob;
            rankSum += ranks.Average();
        }
        Assert.That(mixed, Is.True, "a trial whose key tokens rank both first and not first, so mean, min and all/any differ");
        var metric = result.Metrics.ToDictionary(m => m.Name);
        Assert.That(metric["key_logprob"].Sum, Is.EqualTo(logprobSum).Within(1e-9));
        Assert.That(metric["key_logprob"].Count, Is.EqualTo(4));
        Assert.That(metric["key_logprob"].Value, Is.EqualTo(logprobSum / 4).Within(1e-9));
        Assert.That(metric["key_rank"].Sum, Is.EqualTo(rankSum).Within(1e-12));
        Assert.That(metric["key_rank"].Value, Is.EqualTo(rankSum / 4).Within(1e-12));
    }

    [Test]
    public void Run_Generation_StopsAtPositionLMinusOne_AndTokensProcessedCountPromptsTwiceAndTheAnswer()
    {
        var (result, _, _) = Run();
        var trials = Trials(result);
        foreach (var trial in trials)
        {
            int prompt = trial.GetProperty("length").GetInt32();
            string generated = trial.GetProperty("generated").GetString()!;
            // Budget L - prompt + 1: the key's tokens plus one; the fake's answer " KEY. No more." is cut there.
            Assert.That(generated.Length, Is.EqualTo(Math.Min(10, Length - prompt + 1)), $"prompt of {prompt} tokens");
        }
        Assert.That(trials.Select(t => t.GetProperty("generated").GetString()), Has.All.Length.LessThan(" 12345. No more.".Length));
        long expected = trials.Sum(t => t.GetProperty("length").GetInt32() * 2L + t.GetProperty("generated").GetString()!.Length);
        Assert.That(result.TokensProcessed, Is.EqualTo(expected));
    }

    [Test]
    public void Run_ModelWithoutBos_PromptAndKeyStillFillTheLength()
    {
        foreach (int? bos in new int?[] { 1, null })
            foreach (var trial in Trials(Run(bos).Result))
            {
                int promptAndKey = trial.GetProperty("length").GetInt32() + 1 + trial.GetProperty("key").GetString()!.Length;
                Assert.That(promptAndKey, Is.EqualTo(Length), $"bos {bos?.ToString() ?? "none"}: the character-level fake fits exactly");
            }
    }

    [Test]
    public void Run_Progress_RisesOneTrialAtATimeToOne()
    {
        var (_, _, progress) = Run();
        Assert.That(progress.Values, Is.EqualTo(new[] { 0.25, 0.5, 0.75, 1.0 }));
    }

    [Test]
    public void Run_Keys_AreDistinctAcrossDepthsAndTrials()
    {
        var result = new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|0.5|1", ["trials"] = "3" })
            .Run(new FakeLanguageModel(), Length, 3, null, CancellationToken.None);
        var keys = Trials(result).Select(t => t.GetProperty("key").GetString()).ToList();
        Assert.That(keys, Has.Count.EqualTo(9).And.Unique);
    }

    [Test]
    public void Run_PromptsThatCannotBeFittedWithinOnePercent_FailTheCaseSayingHowMany()
    {
        // At 200 characters, 1% is 2 tokens: finer than the character-level prompt can be cut to here.
        var model = new FakeLanguageModel(characterLevel: true);
        var task = new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|1", ["trials"] = "2" });
        Assert.That(Assert.Throws<TaskException>(() => task.Run(model, 200, 3, null, CancellationToken.None))!.Message,
            Is.EqualTo("4 of 4 passkey prompts could not be fitted so that prompt and key fill 200 tokens within 1%."));
    }
}
