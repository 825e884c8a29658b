using Eval.Core.Corpora;
using Eval.Core.Tasks;
using Eval.Tests.Fakes;

namespace Eval.Tests.Tasks;

public partial class PerplexityTaskTests
{
    static readonly Document[] Documents =
    [
        new("short", string.Join(" ", Enumerable.Range(0, 50).Select(i => $"w{i % 13}"))),
        new("long", string.Join(" ", Enumerable.Range(0, 300).Select(i => $"v{i % 17}"))),
        new("mid", string.Join(" ", Enumerable.Range(0, 150).Select(i => $"u{i % 11}"))),
    ];

    static PerplexityTask Task(params (string Key, string Value)[] parameters) =>
        new(parameters.ToDictionary(p => p.Key, p => p.Value), () => Documents);

    [Test]
    public void Run_Chunks_AggregatesTokenWeightedFromEveryScoredToken()
    {
        var model = new FakeLanguageModel(bos: null);
        var result = Task(("protocol", "chunks"), ("documents", "3"), ("windows", "100")).Run(model, 64, seed: 1, null, CancellationToken.None);

        double sum = 0;
        long count = 0;
        foreach (var w in model.Scored)
            for (int i = w.FirstTarget; i < w.Tokens.Length; i++) { sum += FakeLanguageModel.NllOf(i, w.Tokens[i]); count++; }
        var ppl = result.Metrics.Single(m => m.Name == "ppl");
        Assert.That((ppl.Sum, ppl.Count), Is.EqualTo((sum, count)).Using<(double, long)>((a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-6 && a.Item2 == b.Item2));
        Assert.That(ppl.Value, Is.EqualTo(Math.Exp(sum / count)).Within(1e-9));
        Assert.That(count, Is.EqualTo((300 / 64) * 63 + (150 / 64) * 63), "documents shorter than L are skipped; remainders dropped");
        Assert.That(result.Metrics.Where(m => m.Name.StartsWith("nll:")).Select(m => m.Name), Is.EquivalentTo(new[] { "nll:long", "nll:mid" }));
    }

    [Test]
    public void Run_Chunks_StoresTheSumOfSquaredTokenNllsForTheStandardError()
    {
        var model = new FakeLanguageModel(bos: null);
        var result = Task(("protocol", "chunks"), ("documents", "3"), ("windows", "100")).Run(model, 64, seed: 1, null, CancellationToken.None);

        var nlls = model.Scored.SelectMany(w => Enumerable.Range(w.FirstTarget, w.Tokens.Length - w.FirstTarget).Select(i => (double)FakeLanguageModel.NllOf(i, w.Tokens[i]))).ToList();
        var ppl = result.Metrics.Single(m => m.Name == "ppl");
        Assert.That(ppl.SumOfSquares, Is.EqualTo(nlls.Sum(x => x * x)).Within(1e-6));
        Assert.That(result.Metrics.Single(m => m.Name == "nll").SumOfSquares, Is.EqualTo(ppl.SumOfSquares));
        Assert.That(result.Metrics.Where(m => m.Name.StartsWith("nll:")).Sum(m => m.SumOfSquares!.Value), Is.EqualTo(ppl.SumOfSquares!.Value).Within(1e-6));
        // The standard error llama.cpp prints, from the stored parts, equals the one from the token NLLs themselves.
        double mean = nlls.Average(), sampleVariance = nlls.Sum(x => (x - mean) * (x - mean)) / (nlls.Count - 1);
        Assert.That(Eval.Core.Results.Uncertainty.StandardErrorOfMean(ppl), Is.EqualTo(Math.Sqrt(sampleVariance / nlls.Count)).Within(1e-9));
    }

    [Test]
    public void Run_PerplexityOfWindowMeans_IsNotWhatIsReported()
    {
        var model = new FakeLanguageModel(bos: null);
        var result = Task(("protocol", "chunks"), ("documents", "3"), ("windows", "100")).Run(model, 64, 1, null, CancellationToken.None);
        var perDocument = result.Metrics.Where(m => m.Name.StartsWith("nll:")).ToList();
        double tokenWeighted = perDocument.Sum(m => m.Sum) / perDocument.Sum(m => m.Count);
        Assert.That(result.Metrics.Single(m => m.Name == "nll").Value, Is.EqualTo(tokenWeighted).Within(1e-12));
    }

    [Test]
    public void Run_Sliding_PrependsBosOnceAndScoresEachTokenOnce()
    {
        var model = new FakeLanguageModel(bos: 1);
        var result = Task(("protocol", "sliding"), ("stride", "16"), ("documents", "1"), ("windows", "1000")).Run(model, 64, 1, null, CancellationToken.None);
        Assert.That(model.Scored[0].Tokens[0], Is.EqualTo(1), "BOS starts the document stream");
        Assert.That(model.Scored.Skip(1).All(w => w.Tokens[0] != 1), Is.True, "later windows start inside the document");
        var ppl = result.Metrics.Single(m => m.Name == "ppl");
        long documentTokens = model.Scored.Count > 0 ? result.Metrics.Where(m => m.Name.StartsWith("nll:")).Sum(m => m.Count) : 0;
        Assert.That(ppl.Count, Is.EqualTo(documentTokens));
        Assert.That(result.Protocol, Does.Contain("sliding window=64 stride=16 bos=document-start"));
    }

    [Test]
    public void Run_Tail_CutsTheBosPrefixedStreamAndWritesBosOverEachWindowsFirstTokenAsLlamaCpp()
    {
        var model = new FakeLanguageModel(bos: 1);
        var result = Task(("protocol", "tail"), ("documents", "1"), ("windows", "1000")).Run(model, 64, 1, null, CancellationToken.None);
        int[] ids = [.. model.Encode(Documents.Single(d => d.Id == "long").Text)];
        // Stream [BOS, ids...] of 301 tokens: four windows; window k holds BOS then ids[64k .. 64k + 62], so the
        // BOS of window k >= 1 stands where the text's token 64k - 1 was.
        Assert.That(model.Scored, Has.Count.EqualTo(301 / 64));
        for (int k = 0; k < model.Scored.Count; k++)
            Assert.That(model.Scored[k].Tokens, Is.EqualTo(new[] { 1 }.Concat(ids[(64 * k)..(64 * k + 63)])), $"window {k}");
        Assert.That(model.Scored.All(w => w.FirstTarget == 33), Is.True, "logits from n_ctx/2 = 32 predict tokens 33..63");
        Assert.That(result.Protocol, Does.Contain("tail window=64 scored_fraction=0.5 bos=stream-and-window-start documents=1 windows=4 tokens_scored=124"));
    }

    [Test]
    public void Run_Buckets_MeanNllPerPositionRange()
    {
        var model = new FakeLanguageModel(bos: null);
        var result = Task(("protocol", "chunks"), ("documents", "1"), ("windows", "2"), ("buckets", "4")).Run(model, 64, 1, null, CancellationToken.None);
        var points = result.Series.Where(s => s.Series == "position_nll").ToList();
        Assert.That(points.Select(p => p.X), Is.EqualTo(new[] { 8.0, 24.0, 40.0, 56.0 }));
        var lastBucket = model.Scored.SelectMany(w => Enumerable.Range(48, 16).Select(i => (double)FakeLanguageModel.NllOf(i, w.Tokens[i]))).Average();
        Assert.That(points[3].Y, Is.EqualTo(lastBucket).Within(1e-6));
    }

    [Test]
    public void Run_SameSeed_ChoosesSameDocumentsAtEveryLength()
    {
        var a = Task(("protocol", "chunks"), ("documents", "1")).Run(new FakeLanguageModel(), 32, 7, null, CancellationToken.None);
        var b = Task(("protocol", "chunks"), ("documents", "1")).Run(new FakeLanguageModel(), 32, 7, null, CancellationToken.None);
        Assert.That(a.Metrics.Select(m => m.Name), Is.EqualTo(b.Metrics.Select(m => m.Name)));
    }

    [Test]
    public void Run_NoDocumentLongEnough_SaysLongest() =>
        Assert.That(Assert.Throws<TaskException>(() => Task(("protocol", "chunks")).Run(new FakeLanguageModel(bos: null), 4096, 1, null, CancellationToken.None))!.Message,
            Does.Contain("No document has 4096 tokens; the longest of 3 has 300"));

    [TestCase("protocol", "slide", "Did you mean \"sliding\"?")]
    [TestCase("stride", "0", "stride=0 is not valid")]
    [TestCase("window", "3", "no parameter \"window\"")]
    [TestCase("buckets", "4097", "buckets=4097 is not valid. Expected a whole number in [1, 4096]")]
    public void Create_BadParameter_NamesIt(string key, string value, string expected) =>
        Assert.That(Assert.Throws<TaskException>(() => Task((key, value)))!.Message, Does.Contain(expected));

    [TestCase("0", "tail_fraction=0 is not valid. Expected a number in [0.0001, 1]")]
    [TestCase("1.5", "tail_fraction=1.5 is not valid")]
    [TestCase("half", "tail_fraction=half is not valid")]
    public void Create_TailFractionOutOfRange_NamesIt(string value, string expected) =>
        Assert.That(Assert.Throws<TaskException>(() => Task(("protocol", "tail"), ("tail_fraction", value)))!.Message, Does.Contain(expected));

    [TestCase("1")]
    [TestCase("0.0001")]
    public void Create_TailFractionAtItsBounds_IsAccepted(string value) =>
        Assert.That(Task(("protocol", "tail"), ("tail_fraction", value)).CanonicalParameters, Does.Contain($"tail_fraction={value}"));

    [Test]
    public void Create_BucketsAtTheirCeiling_IsAccepted() =>
        Assert.That(Task(("buckets", "4096")).CanonicalParameters, Does.Contain("buckets=4096"));

    [TestCase("chunks", "stride", "16", "stride applies only to protocol sliding, and protocol is chunks")]
    [TestCase("sliding", "tail_fraction", "0.25", "tail_fraction applies only to protocol tail, and protocol is sliding")]
    public void Create_ParameterOfAnotherProtocol_IsRejectedNotIgnored(string protocol, string key, string value, string expected) =>
        Assert.That(Assert.Throws<TaskException>(() => Task(("protocol", protocol), (key, value)))!.Message, Does.Contain(expected));

    [Test]
    public void CanonicalParameters_IncludeDefaults_SoCaseIdentityIsComplete() =>
        Assert.That(Task(("protocol", "chunks")).CanonicalParameters, Is.EqualTo("batch=8,buckets=64,corpus=bundled,documents=4,protocol=chunks,windows=8"));
}

/// <summary>min_context and same_documents (#31): in the case identity only when used, and applied by the run.</summary>
public partial class PerplexityTaskTests
{
    [Test]
    public void CanonicalParameters_MinContext_IsPartOfTheIdentityOnlyWhenAboveZero()
    {
        Assert.That(Task(("protocol", "chunks"), ("min_context", "0")).CanonicalParameters, Is.EqualTo(Task(("protocol", "chunks")).CanonicalParameters),
            "M = 0 is the old protocol: same hashes, so stored figures stay reusable");
        Assert.That(Task(("min_context", "32")).CanonicalParameters, Does.Contain("min_context=32"));
        Assert.That(Task(("min_context", "32")).CanonicalParameters, Is.Not.EqualTo(Task(("min_context", "16")).CanonicalParameters));
    }

    [Test]
    public void Run_MinContext_ScoresOnlyTokensWithThatMuchContextAndSaysSo()
    {
        var model = new FakeLanguageModel(bos: null);
        var result = Task(("stride", "64"), ("min_context", "48"), ("documents", "1"), ("windows", "1000")).Run(model, 64, 1, null, CancellationToken.None);
        Assert.That(model.Scored.All(w => w.FirstTarget >= 48), Is.True);
        Assert.That(result.Metrics.Single(m => m.Name == "ppl").Count, Is.EqualTo(300 - 48), "every token of the 300 from the 48th, once");
        Assert.That(result.Protocol, Does.Contain("sliding window=64 stride=16 min_context=48"));
    }

    [Test]
    public void Run_MinContextNotBelowTheLength_FailsNamingTheField() =>
        Assert.That(Assert.Throws<TaskException>(() => Task(("min_context", "64")).Run(new FakeLanguageModel(), 64, 1, null, CancellationToken.None))!.Message,
            Does.Contain("min_context=64"));

    [Test]
    public void Run_DocumentLength_ScoresTheSameDocumentsAtEveryLength()
    {
        // Without it, L = 64 scores long and mid (150 tokens) and L = 200 only long; with it, both score long.
        foreach (int length in new[] { 64, 200 })
        {
            var result = Task(("document_length", "200"), ("documents", "3")).Run(new FakeLanguageModel(bos: null), length, 1, null, CancellationToken.None);
            Assert.That(result.Metrics.Where(m => m.Name.StartsWith("nll:")).Select(m => m.Name), Is.EqualTo(new[] { "nll:long" }), $"L={length}");
        }
        var free = Task(("documents", "3")).Run(new FakeLanguageModel(bos: null), 64, 1, null, CancellationToken.None);
        Assert.That(free.Metrics.Count(m => m.Name.StartsWith("nll:")), Is.EqualTo(2));
    }

    [Test]
    public void Create_SameDocumentsWithDocumentLength_IsRejected() =>
        Assert.That(Assert.Throws<TaskException>(() => Task(("same_documents", "true"), ("document_length", "100")))!.Message, Does.Contain("not both"));

    [Test]
    public void Create_SameDocumentsNotABoolean_ListsTheValidValues() =>
        Assert.That(Assert.Throws<TaskException>(() => Task(("same_documents", "yes")))!.Message, Does.Contain("same_documents=yes is not valid. Valid: true, false."));

    [Test]
    public void Run_SameDocumentsOutsideASuite_SaysToGiveDocumentLength() =>
        Assert.That(Assert.Throws<TaskException>(() => Task(("same_documents", "true")).Run(new FakeLanguageModel(), 64, 1, null, CancellationToken.None))!.Message,
            Does.Contain("document_length"));
}
