using System.Text.Json;
using Eval.Core.Tasks;
using Eval.Tests.Fakes;

namespace Eval.Tests.Tasks;

public class PasskeyTaskTests
{
    [TestCase(false, 256)]
    [TestCase(false, 1000)]
    [TestCase(false, 8192)]
    [TestCase(true, 256)]
    [TestCase(true, 4096)]
    [TestCase(true, 32768)]
    public void Fit_TargetLength_PromptWithinOnePercent(bool characterLevel, int target)
    {
        var model = new FakeLanguageModel(characterLevel);
        foreach (double depth in new[] { 0.0, 0.37, 1.0 })
        {
            var (prompt, tokens) = PasskeyPrompt.Fit("12345", target, depth, t => model.Encode(t).Count + 1);
            Assert.That(tokens, Is.EqualTo(model.Encode(prompt).Count + 1));
            Assert.That(Math.Abs(tokens - target), Is.LessThanOrEqualTo(0.01 * target), $"depth {depth}: {tokens} tokens");
        }
    }

    [Test]
    public void Compose_Depth_MovesKeyLineMonotonicallyFromStartToEnd()
    {
        string keyLine = PasskeyPrompt.KeyLine("55555");
        var positions = new[] { 0.0, 0.25, 0.5, 0.75, 1.0 }.Select(d => PasskeyPrompt.Compose("55555", 400, d).IndexOf(keyLine, StringComparison.Ordinal)).ToList();
        Assert.That(positions, Is.Ordered.Ascending);
        Assert.That(positions.Distinct().Count(), Is.EqualTo(5));
        string start = PasskeyPrompt.Compose("55555", 400, 0), end = PasskeyPrompt.Compose("55555", 400, 1);
        Assert.That(start, Does.StartWith(PasskeyPrompt.TaskLine + "\n" + keyLine));
        Assert.That(end, Does.EndWith(keyLine + "\n" + PasskeyPrompt.Question));
    }

    [TestCase("  12345.", "12345")]
    [TestCase("\n12345 is the key", "12345")]
    [TestCase("The pass key is 12345", "12345")]
    [TestCase("1234", "1234")]
    [TestCase(" 12 345", "12")]
    [TestCase("abc", null)]
    [TestCase("", null)]
    public void FirstNumber_MessyGenerations_TakesFirstDigitRun(string generated, string? expected) =>
        Assert.That(PasskeyPrompt.FirstNumber(generated), Is.EqualTo(expected));

    [Test]
    public void Run_PerfectRetriever_ScoresAllCorrectAndStoresEveryTrial()
    {
        var model = new FakeLanguageModel();
        var task = new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|0.5|1", ["trials"] = "2" });
        var result = task.Run(model, 300, 9, null, CancellationToken.None);
        Assert.That(result.Metrics.Single(m => m.Name == "accuracy").Value, Is.EqualTo(1.0));
        var trials = result.Series.Where(s => s.Series == "passkey_trial").ToList();
        Assert.That(trials, Has.Count.EqualTo(6));
        using var first = JsonDocument.Parse(trials[0].ExtraJson!);
        Assert.That(first.RootElement.GetProperty("key").GetString(), Has.Length.EqualTo(5));
        Assert.That(first.RootElement.GetProperty("correct").GetBoolean(), Is.True);
        Assert.That(first.RootElement.GetProperty("length").GetInt32(), Is.InRange(297, 303));
        Assert.That(result.Metrics.Select(m => m.Name), Does.Contain("accuracy@0.5"));
    }

    [TestCase(256)]
    [TestCase(1000)]
    public void Run_PromptAndKey_FillTheContextLengthWithoutPassingIt(int length)
    {
        // Character-level: the key " 12345" is 6 tokens, so the prompt must stop 6 tokens short of the length.
        var model = new FakeLanguageModel(characterLevel: true);
        var result = new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|0.5|1", ["trials"] = "2" }).Run(model, length, 3, null, CancellationToken.None);
        foreach (var trial in result.Series.Where(s => s.Series == "passkey_trial"))
        {
            var json = JsonDocument.Parse(trial.ExtraJson!).RootElement;
            int promptAndKey = json.GetProperty("length").GetInt32() + 1 + json.GetProperty("key").GetString()!.Length;
            Assert.That(promptAndKey, Is.InRange(length - 0.01 * length, length), "prompt + key fill the context without passing it");
        }
    }

    [Test]
    public void Run_WrongAnswers_ScoreZeroAndKeepGeneratedText()
    {
        // Generation stops at position L - 1 (the key's tokens plus one), so the wrong answer is short enough to be kept whole.
        var model = new FakeLanguageModel { Answer = _ => "maybe 42" };
        var result = new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0.5", ["trials"] = "3" }).Run(model, 200, 1, null, CancellationToken.None);
        Assert.That(result.Metrics.Single(m => m.Name == "accuracy").Sum, Is.EqualTo(0));
        Assert.That(result.Series[0].ExtraJson, Does.Contain("maybe 42"));
    }

    [Test]
    public void Run_SameSeed_SameKeys_DifferentSeed_DifferentKeys()
    {
        string Keys(int seed) => string.Join(",", new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|1", ["trials"] = "3" })
            .Run(new FakeLanguageModel(), 200, seed, null, CancellationToken.None).Series
            .Select(s => JsonDocument.Parse(s.ExtraJson!).RootElement.GetProperty("key").GetString()));
        Assert.That(Keys(5), Is.EqualTo(Keys(5)));
        Assert.That(Keys(5), Is.Not.EqualTo(Keys(6)));
    }

    [Test]
    public void Run_TeacherForced_ScoresOnlyTheKeyTokens()
    {
        var model = new FakeLanguageModel();
        new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0", ["trials"] = "1" }).Run(model, 200, 1, null, CancellationToken.None);
        var window = model.Scored.Single();
        Assert.That(window.WithRanks, Is.True);
        Assert.That(window.Tokens.Length - window.FirstTarget, Is.EqualTo(1), "the word-level fake tokenizes the key as one token");
    }

    [TestCase("depths", "0|2", "depths entry \"2\" is not valid")]
    [TestCase("trials", "0", "trials=0 is not valid")]
    [TestCase("tirals", "3", "Did you mean \"trials\"?")]
    public void Create_BadParameter_NamesIt(string key, string value, string expected) =>
        Assert.That(Assert.Throws<TaskException>(() => new PasskeyTask(new Dictionary<string, string> { [key] = value }))!.Message, Does.Contain(expected));

    [Test]
    public void Create_SeveralBadParameters_ReportsEveryOne()
    {
        var e = Assert.Throws<TaskException>(() => new PasskeyTask(new Dictionary<string, string>
        {
            ["depths"] = "0|2|-1", ["trials"] = "0", ["digits"] = "99", ["tirals"] = "3",
        }))!;
        Assert.That(e.Problems, Has.Count.EqualTo(5), e.Message);
        Assert.That(e.Message, Does.Contain("depths entry \"2\"").And.Contain("depths entry \"-1\"").And.Contain("trials=0")
            .And.Contain("digits=99").And.Contain("no parameter \"tirals\""));
    }

    static double Accuracy(Func<string, string> answer) =>
        new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|0.5|1", ["trials"] = "2" })
            .Run(new FakeLanguageModel { Answer = answer }, 200, 3, null, CancellationToken.None).Metrics.Single(m => m.Name == "accuracy").Value;

    [Test]
    public void Run_AnswerIsTheKeyAsTheFirstNumber_IsCorrect()
    {
        Assert.That(Accuracy(prompt => $" {FakeLanguageModel.KeyIn(prompt)}. That is all."), Is.EqualTo(1));
        Assert.That(Accuracy(prompt => $"\n{FakeLanguageModel.KeyIn(prompt)} is the pass key, not 7"), Is.EqualTo(1));
    }

    [Test]
    public void Run_FirstNumberSharesOnlyTheKeysFirstDigits_IsWrong()
    {
        // Same first four digits, last digit changed; and the key followed by one more digit.
        Assert.That(Accuracy(prompt => { string key = FakeLanguageModel.KeyIn(prompt); return $" {key[..^1]}{(key[^1] - '0' + 1) % 10}."; }), Is.EqualTo(0));
        Assert.That(Accuracy(prompt => $" {FakeLanguageModel.KeyIn(prompt)}9."), Is.EqualTo(0));
    }

    [Test]
    public void Run_KeyAppearsOnlyAfterAnotherNumber_IsWrong()
    {
        // The key is in the output, but the first number generated is not it.
        Assert.That(Accuracy(prompt => $" 7, or maybe {FakeLanguageModel.KeyIn(prompt)}"), Is.EqualTo(0));
    }

    // Exact prompts for issue #23 (mutation testing): the filler is cut from the start of the repeated text, the key
    // line goes after round(depth x n) characters (halves away from zero), and an empty filler part is no line at all.
    static string Lines(params string[] lines) => string.Join("\n", lines);

    [Test]
    public void Compose_DepthZero_HasNoFillerLineBeforeTheKey() =>
        Assert.That(PasskeyPrompt.Compose("123", 10, 0),
            Is.EqualTo(Lines(PasskeyPrompt.TaskLine, PasskeyPrompt.KeyLine("123"), "The grass ", PasskeyPrompt.Question)));

    [Test]
    public void Compose_DepthOne_HasNoFillerLineAfterTheKey() =>
        Assert.That(PasskeyPrompt.Compose("123", 10, 1),
            Is.EqualTo(Lines(PasskeyPrompt.TaskLine, "The grass ", PasskeyPrompt.KeyLine("123"), PasskeyPrompt.Question)));

    [Test]
    public void Compose_QuarterOfTen_RoundsTheHalfCharacterUp() =>
        // 0.25 x 10 = 2.5 -> 3 characters before the key, 7 after.
        Assert.That(PasskeyPrompt.Compose("123", 10, 0.25),
            Is.EqualTo(Lines(PasskeyPrompt.TaskLine, "The", PasskeyPrompt.KeyLine("123"), "The gra", PasskeyPrompt.Question)));

    [Test]
    public void Compose_FillerLongerThanOneCopy_RepeatsItJoinedBySpaces() =>
        Assert.That(PasskeyPrompt.Compose("1", PasskeyPrompt.Filler.Length + 4, 1),
            Is.EqualTo(Lines(PasskeyPrompt.TaskLine, PasskeyPrompt.Filler + " The", PasskeyPrompt.KeyLine("1"), PasskeyPrompt.Question)));

    [TestCase(-0.1)]
    [TestCase(1.1)]
    [TestCase(double.NaN)]
    public void Compose_DepthOutsideZeroToOne_Throws(double depth) =>
        Assert.That(() => PasskeyPrompt.Compose("1", 10, depth), Throws.TypeOf<ArgumentOutOfRangeException>());
}

