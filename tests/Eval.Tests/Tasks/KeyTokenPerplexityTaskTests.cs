using Eval.Core.Results;
using Eval.Core.Corpora;
using Eval.Core.Tasks;
using Eval.Tests.Fakes;

namespace Eval.Tests.Tasks;

/// <summary>keyppl (#31): the key tokens are the repeats less their first words, the same for every model of a tokenizer, and only they are scored.</summary>
public class KeyTokenPerplexityTaskTests
{
    // One token per word, as the fake's word-level tokenizer: distances in the fake's tokens are those the builder planned.
    static readonly LongRangeDocument[] Documents = Enumerable.Range(0, 2)
        .Select(k => LongRangeCorpus.Build(new Document($"doc{k}", string.Join(" ", Enumerable.Range(0, 6000).Select(i => $"w{k}x{i}"))), _ => 1, new Random(k))).ToArray();

    static KeyTokenPerplexityTask Task(params (string Key, string Value)[] parameters) =>
        new(parameters.ToDictionary(p => p.Key, p => p.Value), () => Documents);

    [Test]
    public void Select_KeyPositions_AreTheRepeatsLessTheirFirstTokens_AndCopyTheirSourceVerbatim()
    {
        var model = new FakeLanguageModel(bos: 1);
        var document = Documents[0];
        var selection = KeyTokenSelection.Select(model, document);
        var expected = new SortedSet<int>();
        foreach (var r in document.Repeats)
        {
            // Word-level, one token a word: the repeat's first token is the number of words before it, plus BOS.
            int first = 1 + document.Text[..r.Repeat.Start].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            for (int i = first + LongRangeCorpus.SkippedTokens; i < first + r.PassageTokens; i++) expected.Add(i);
        }
        Assert.That(selection.DistanceAt.Keys.Order(), Is.EqualTo(expected));
        foreach (var r in document.Repeats)
        {
            var keys = selection.DistanceAt.Where(p => p.Value == r.Distance).Select(p => p.Key).ToList();
            Assert.That(keys.All(i => selection.Stream[i] == selection.Stream[i - r.TokensApart]), Is.True, $"each key token copies the token {r.TokensApart} before it (d={r.Distance})");
        }
    }

    [Test]
    public void Run_ScoresExactlyTheKeyTokensOfTheChosenDocuments_ByDistance()
    {
        var model = new FakeLanguageModel(bos: 1);
        var result = Task(("documents", "2"), ("stride", "64")).Run(model, 512, 1, null, CancellationToken.None);
        var keys = Documents.Select(d => KeyTokenSelection.Select(model, d)).ToList();
        long keyCount = keys.Sum(k => k.DistanceAt.Count);
        var ppl = result.Metrics.Single(m => m.Name == "ppl");
        Assert.That(ppl.Count, Is.EqualTo(keyCount), "every key token once, nothing else");
        // The NLL the fake gives each key token where its window scores it: the sum is over key positions only.
        double expected = 0;
        foreach (var w in model.Scored)
        {
            var selection = keys.Single(k => k.Stream.AsSpan().IndexOf(w.Tokens) >= 0);
            int start = selection.Stream.AsSpan().IndexOf(w.Tokens);
            for (int i = w.FirstTarget; i < w.Tokens.Length; i++)
                if (selection.DistanceAt.ContainsKey(start + i)) expected += FakeLanguageModel.NllOf(i, w.Tokens[i]);
        }
        Assert.That(ppl.Sum, Is.EqualTo(expected).Within(1e-3));
        Assert.That(result.Metrics.Where(m => m.Name.StartsWith("nll:d=")).Select(m => m.Name),
            Is.EqualTo(LongRangeCorpus.Distances.Select(d => $"nll:d={d}")));
        Assert.That(result.Metrics.Where(m => m.Name.StartsWith("nll:d=")).Sum(m => m.Count), Is.EqualTo(keyCount));
        // The paired test's units: one per chosen document, together every key token, each its document's mean NLL.
        var documents = result.Metrics.Where(m => m.Name.StartsWith("doc:")).ToList();
        Assert.That(documents, Has.Count.EqualTo(2));
        Assert.That(documents.Sum(m => m.Count), Is.EqualTo(keyCount));
        Assert.That(documents.Sum(m => m.Sum), Is.EqualTo(ppl.Sum).Within(1e-6));
        var stored = new CaseResult("h", "m | s | 512 | keyppl", "m", "fp", "s", 512, 256, "keyppl", "p", 1, CaseStatus.Completed, null,
            DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 1, 1, null, [.. result.Metrics], [.. result.Series]);
        var units = TaskRegistry.PairedUnitsOf("keyppl")!(stored);
        Assert.That(units.Values, Is.EqualTo(documents.Select(m => m.Sum / m.Count)));
        Assert.That(result.Protocol, Does.Contain("key_rule=repeats-less-first-8-tokens"));
    }

    [Test]
    public void Run_RunsOnlyWindowsThatScoreAKeyToken()
    {
        var model = new FakeLanguageModel(bos: null);
        Task(("documents", "1"), ("stride", "32")).Run(model, 256, 1, null, CancellationToken.None);
        var all = WindowPlanner.Sliding(Documents[0].Text.Split(' ').Length, 256, 32);
        Assert.That(model.Scored, Has.Count.LessThan(all.Count), "windows with no key token are skipped");
    }

    [Test]
    public void Create_IsRegisteredWithPerplexitysHeadline_AndItsProtocolParameters()
    {
        Assert.That(TaskRegistry.Names, Does.Contain("keyppl"));
        Assert.That(TaskRegistry.HeadlineOf("keyppl"), Is.EqualTo(PerplexityTask.Perplexity));
        Assert.That(TaskRegistry.Create("keyppl", new Dictionary<string, string> { ["min_context"] = "128" }, () => []).CanonicalParameters,
            Is.EqualTo("batch=8,corpus=bundled,documents=4,min_context=128,protocol=sliding,stride=256"));
        Assert.That(Assert.Throws<TaskException>(() => Task(("windows", "8")))!.Message, Does.Contain("Task \"keyppl\" has no parameter \"windows\""));
    }
}
