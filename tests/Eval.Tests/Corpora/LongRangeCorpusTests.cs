using Eval.Core.Corpora;
using Eval.Core.Runtime;

namespace Eval.Tests.Corpora;

/// <summary>The long-range corpus (#31): passages repeated verbatim at the planned distances, and the shipped file as built.</summary>
public class LongRangeCorpusTests
{
    // A word of n letters is ceil(n / 3) tokens: words of different lengths, so distances are sums, not word counts.
    static int Tokens(string word) => (word.Length + 2) / 3;

    static readonly Document Source = new("doc", string.Join(" ", Enumerable.Range(0, 12000).Select(i => $"w{i}" + new string('x', i % 5))));

    [Test]
    public void Build_EveryRepeat_CopiesItsSourceVerbatimAboutItsDistanceLater()
    {
        var document = LongRangeCorpus.Build(Source, Tokens, new Random(1));
        Assert.That(document.Repeats.Select(r => r.Distance).Distinct().Order(), Is.EqualTo(LongRangeCorpus.Distances));
        foreach (var r in document.Repeats)
        {
            Assert.That(document.Text[r.Repeat.Start..r.Repeat.End], Is.EqualTo(document.Text[r.Source.Start..r.Source.End]));
            Assert.That(r.TokensApart, Is.InRange(r.Distance - 3, r.Distance), "word-aligned: at most a word (here 3 tokens) short");
            Assert.That(r.PassageTokens, Is.InRange(LongRangeCorpus.MinPassage, LongRangeCorpus.MaxPassage + 16));
            Assert.That(r.Source.End, Is.LessThanOrEqualTo(r.Repeat.Start), "the source ends before its copy starts");
            // Distance counted from the text itself: tokens of the words before each span.
            int TokensBefore(int at) => document.Text[..at].Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(Tokens);
            Assert.That(TokensBefore(r.Repeat.Start) - TokensBefore(r.Source.Start), Is.EqualTo(r.TokensApart));
            int skipped = TokensBefore(r.Key.Start) - TokensBefore(r.Repeat.Start);
            Assert.That(skipped, Is.InRange(LongRangeCorpus.SkippedTokens, LongRangeCorpus.SkippedTokens + 2), "the key leaves out the copy's first words");
            Assert.That(r.Key.End, Is.EqualTo(r.Repeat.End));
        }
    }

    [Test]
    public void Build_NoSourceOverlapsAnEarlierCopy_SoNoPassageIsACopyOfACopy()
    {
        var repeats = LongRangeCorpus.Build(Source, Tokens, new Random(2)).Repeats;
        foreach (var r in repeats)
            Assert.That(repeats.Where(c => c.Repeat.Start < r.Repeat.Start).Any(c => c.Repeat.Start < r.Source.End && r.Source.Start < c.Repeat.End), Is.False);
    }

    [Test]
    public void Build_SameInputs_SameDocuments() =>
        Assert.That(LongRangeCorpus.Build([Source], Tokens)[0], Is.EqualTo(LongRangeCorpus.Build([Source], Tokens)[0]).Using<LongRangeDocument>((a, b) =>
            a.Text == b.Text && a.Repeats.SequenceEqual(b.Repeats)));

    [Test]
    public void ShippedCorpus_ReadsWithVerbatimRepeatsAtEveryDistanceAndStaysSmall()
    {
        string path = RepositoryPaths.Require(LongRangeFile.BundledPath);
        Assert.That(new FileInfo(path).Length, Is.LessThan(2_000_000));
        var documents = LongRangeFile.Read(path);
        Assert.That(documents.Select(d => d.Id), Is.EqualTo(DocumentSource.Load(RepositoryPaths.Require("suites/corpora/heldout")).Select(d => d.Id)), "one per held-out address, never training text");
        Assert.That(documents.SelectMany(d => d.Repeats).GroupBy(r => r.Distance).ToDictionary(g => g.Key, g => g.Count()),
            Has.Count.EqualTo(LongRangeCorpus.Distances.Length).And.All.Matches<KeyValuePair<int, int>>(p => p.Value >= 40));
        foreach (var d in documents)
            foreach (var r in d.Repeats)
                Assert.That(d.Text[r.Repeat.Start..r.Repeat.End], Is.EqualTo(d.Text[r.Source.Start..r.Source.End]), d.Id);
        Assert.That(DocumentSource.Load(path), Has.Count.EqualTo(documents.Count), "perplexity reads it as a .jsonl corpus too");
    }

    [Test]
    public void Read_SpanOutsideTheText_IsAnErrorNamingTheLine()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, """{"id":"a","text":"abc","repeats":[{"distance":128,"tokens_apart":128,"passage_tokens":64,"source":[0,2],"repeat":[1,9],"key":[1,3]}]}""" + "\n");
        try { Assert.That(Assert.Throws<FormatException>(() => LongRangeFile.Read(path))!.Message, Does.Contain(":1:").And.Contain("repeat span [1, 9)")); }
        finally { File.Delete(path); }
    }
}
