using System.Text.Json;
using Eval.Core.Corpora;
using Eval.Core.Tasks;
using Eval.Tests.Fakes;

namespace Eval.Tests.Tasks;

/// <summary>
/// Figures of a perplexity case that Stryker's run over Eval.Core found held by no test (issue #23): per-document
/// NLL, tokens processed, progress, empty position buckets, cancellation, a document exactly L tokens long.
/// </summary>
public partial class PerplexityTaskTests
{
    static Eval.Core.Results.TaskResult Chunks(FakeLanguageModel model, IProgress<double>? progress = null, params (string Key, string Value)[] more) =>
        Task([("protocol", "chunks"), ("documents", "3"), ("windows", "100"), .. more]).Run(model, 64, seed: 1, progress, CancellationToken.None);

    [Test]
    public void Run_PerDocumentNll_IsThatDocumentsTokenWeightedMean()
    {
        var result = Chunks(new FakeLanguageModel(bos: null));
        var documents = result.Metrics.Where(m => m.Name.StartsWith("nll:")).ToList();
        Assert.That(documents, Has.Count.EqualTo(2));
        foreach (var d in documents) Assert.That(d.Value, Is.EqualTo(d.Sum / d.Count).Within(1e-12), d.Name);
        var nll = result.Metrics.Single(m => m.Name == "nll");
        Assert.That((documents.Sum(d => d.Sum), documents.Sum(d => d.Count)), Is.EqualTo((nll.Sum, nll.Count)).Using<(double, long)>((a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-9 && a.Item2 == b.Item2));
    }

    [Test]
    public void Run_TokensProcessed_IsTheLengthOfEveryWindowScored()
    {
        var model = new FakeLanguageModel(bos: null);
        var result = Chunks(model);
        Assert.That(result.TokensProcessed, Is.EqualTo(model.Scored.Sum(w => (long)w.Tokens.Length)).And.EqualTo(6 * 64));
    }

    [Test]
    public void Run_Progress_ReportsEachBatchUpToOne()
    {
        var progress = new ProgressRecorder();
        Chunks(new FakeLanguageModel(bos: null), progress, ("batch", "4")); // 6 windows: batches of 4 and 2
        Assert.That(progress.Values, Is.EqualTo(new[] { 4 / 6.0, 1.0 }));
    }

    [Test]
    public void Run_PositionBuckets_StoreOnlyThoseWithScoredTokens()
    {
        // One bucket per position: position 0 of a chunk is never a target, so its bucket is empty and not stored.
        var series = Chunks(new FakeLanguageModel(bos: null), null, ("buckets", "64")).Series;
        Assert.That(series.Select(p => p.X), Is.EqualTo(Enumerable.Range(1, 63).Select(b => b + 0.5)));
        Assert.That(series.Select(p => JsonDocument.Parse(p.ExtraJson!).RootElement.GetProperty("count").GetInt64()), Has.All.EqualTo(6L));
    }

    [Test]
    public void Run_CancelledBeforeScoring_ScoresNothing()
    {
        var model = new FakeLanguageModel(bos: null);
        Assert.Throws<OperationCanceledException>(() => Task(("protocol", "chunks")).Run(model, 64, 1, null, new CancellationToken(canceled: true)));
        Assert.That(model.Scored, Is.Empty);
    }

    [Test]
    public void Run_DocumentOfExactlyTheContextLength_IsLongEnough()
    {
        var exact = new Document("exact", string.Join(" ", Enumerable.Range(0, 64).Select(i => $"x{i}")));
        var result = new PerplexityTask(new Dictionary<string, string> { ["protocol"] = "chunks" }, () => [exact])
            .Run(new FakeLanguageModel(bos: null), 64, 1, null, CancellationToken.None);
        Assert.That(result.Metrics.Single(m => m.Name == "nll:exact").Count, Is.EqualTo(63));
    }
}
