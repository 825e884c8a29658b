using System.Text.Json;
using Eval.Core.Corpora;
using Eval.Core.Models;
using Eval.Core.Results;

namespace Eval.Core.Tasks;

/// <summary>
/// Perplexity on long documents by one of three protocols (sliding as HF and YaRN, chunks, tail as llama.cpp).
/// Aggregation is token-weighted: total NLL over total scored tokens, never a mean of per-window perplexities.
/// Each length evaluates the beginning of the same seeded choice of documents, among those long enough: long enough
/// for that length, or with same_documents for the suite's longest length, so that every length scores the same
/// documents (shorter ones are skipped at every length).
/// </summary>
public sealed class PerplexityTask : IEvalTask
{
    private readonly Func<IReadOnlyList<Document>> documents;
    private readonly Dictionary<string, int[]> tokenCache = [];
    private readonly PerplexityProtocol protocol;
    private readonly int maxDocuments, maxWindows, buckets, batch, documentLength;
    private readonly bool sameDocuments;

    public PerplexityTask(IReadOnlyDictionary<string, string> parameters, Func<IReadOnlyList<Document>> documents)
    {
        var p = new TaskParameters("perplexity", parameters, [.. PerplexityProtocol.ParameterKeys, "documents", "windows", "buckets", "batch", "corpus",
            SameDocumentsKey, DocumentLengthKey]);
        protocol = PerplexityProtocol.Read(p);
        (sameDocuments, documentLength) = ReadDocumentLength(p, "perplexity");
        maxDocuments = p.Integer("documents", 4, 1);
        maxWindows = p.Integer("windows", 8, 1);
        buckets = p.Integer("buckets", 64, 1, 4096);
        batch = p.Integer("batch", 8, 1, 1024);
        p.Text("corpus", "bundled");
        p.ThrowIfInvalid();
        CanonicalParameters = p.Canonical;
        this.documents = documents;
    }

    public const string TaskName = "perplexity";

    /// <summary>
    /// A stored case's units for a paired test: each document's mean token NLL (the log of its perplexity), by document
    /// id, from the per-document figures stored beside the total.
    /// </summary>
    public static IReadOnlyDictionary<string, double> PairedUnits(CaseResult stored) => MeanNllByDocument(stored, DocumentMetricPrefix);

    /// <summary>Each document's mean NLL from the metrics named PREFIX + document id (perplexity's nll:, keyppl's doc:).</summary>
    public static IReadOnlyDictionary<string, double> MeanNllByDocument(CaseResult stored, string prefix) =>
        stored.Metrics.Where(m => m.Name.StartsWith(prefix, StringComparison.Ordinal) && m.Count > 0)
            .ToDictionary(m => m.Name[prefix.Length..], m => m.Sum / m.Count);

    /// <summary>The per-document figures are stored as nll:DOCUMENT.</summary>
    public const string DocumentMetricPrefix = "nll:";

    /// <summary>
    /// same_documents: true, which a suite turns into document_length = its longest length for the model
    /// (MatrixExpander), so the stored identity says which documents were scored.
    /// </summary>
    public const string SameDocumentsKey = "same_documents", DocumentLengthKey = "document_length";

    /// <summary>Reads same_documents and document_length (0: each length chooses its own documents); both at once are an error.</summary>
    public static (bool Same, int Length) ReadDocumentLength(TaskParameters p, string task)
    {
        bool same = p.Flag(SameDocumentsKey);
        int length = p.OptionalInteger(DocumentLengthKey, 0, 2);
        if (same && p.Has(DocumentLengthKey))
            p.Problem($"Task \"{task}\": give {SameDocumentsKey}: true (the suite's longest length) or {DocumentLengthKey}: N, not both.");
        return (same, length);
    }

    /// <summary>The length documents are chosen for at <paramref name="contextLength"/>: the longer of it and document_length.</summary>
    public static int ChoosingLength(string task, bool same, int documentLength, int contextLength) => same
        ? throw new TaskException($"Task \"{task}\": {SameDocumentsKey} needs a suite's lengths (it chooses documents by the longest); outside a suite give {DocumentLengthKey}: N.")
        : Math.Max(contextLength, documentLength);

    /// <summary>Token-weighted perplexity: lower is better, compared relatively.</summary>
    public static readonly HeadlineMetric Perplexity = new("ppl", HigherIsBetter: false, RelativeChange: true, NoiseModel.MeanTokenNll);

    public string Name => TaskName;
    public string CanonicalParameters { get; }
    public HeadlineMetric Headline => Perplexity;

    public string? LengthProblem(int contextLength) => protocol.LengthProblem(TaskName, contextLength);

    public TaskResult Run(ILanguageModel model, int contextLength, int seed, IProgress<double>? progress, CancellationToken cancel)
    {
        var chosen = ChooseDocuments(model, ChoosingLength(TaskName, sameDocuments, documentLength, contextLength), seed);
        var plans = chosen.SelectMany(d => protocol.Plan(d.Tokens.Length, contextLength, maxWindows).Select(w => (Document: d, Window: w))).ToList();

        // Not named Sum/Count: Stryker 5.1 takes such tuple fields for LINQ calls, and the mutant that fails to compile
        // made it drop every mutant of this method (tests/mutation/SURVIVORS.md).
        var perDocument = chosen.ToDictionary(d => d.Id, _ => (Nll: 0.0, Squares: 0.0, Tokens: 0L));
        var bucketSum = new double[buckets];
        var bucketCount = new long[buckets];
        long processed = 0;
        for (int done = 0; done < plans.Count; done += batch)
        {
            cancel.ThrowIfCancellationRequested();
            var group = plans.Skip(done).Take(batch).ToList();
            var scores = model.Score(group.Select(g => new ScoringWindow(protocol.WindowTokens(g.Document.Tokens, g.Window, model.BosId), g.Window.FirstTarget)).ToList());
            for (int i = 0; i < group.Count; i++)
            {
                var (document, window) = group[i];
                float[] nll = scores[i].Nll;
                foreach (float x in nll)
                    if (!float.IsFinite(x)) throw new TaskException($"Non-finite NLL ({x}) in {document.Id} at L={contextLength}.");
                var total = perDocument[document.Id];
                perDocument[document.Id] = (total.Nll + nll.Sum(x => (double)x), total.Squares + nll.Sum(x => (double)x * x), total.Tokens + nll.Length);
                for (int j = 0; j < nll.Length; j++)
                {
                    int bucket = (int)((long)(window.FirstTarget + j) * buckets / contextLength);
                    bucketSum[bucket] += nll[j];
                    bucketCount[bucket]++;
                }
                processed += window.Length;
            }
            progress?.Report(Math.Min(1.0, (done + group.Count) / (double)plans.Count));
        }

        // Squared token NLLs are summed beside the NLLs, so every figure carries its standard error (Uncertainty).
        var metrics = perDocument.Select(d => new MetricValue(DocumentMetricPrefix + d.Key, d.Value.Nll, d.Value.Tokens, d.Value.Nll / d.Value.Tokens, d.Value.Squares)).ToList();
        double sum = perDocument.Values.Sum(v => v.Nll), squares = perDocument.Values.Sum(v => v.Squares);
        long count = perDocument.Values.Sum(v => v.Tokens);
        metrics.Add(new MetricValue("nll", sum, count, sum / count, squares));
        metrics.Add(new MetricValue("ppl", sum, count, Math.Exp(sum / count), squares));
        var series = Enumerable.Range(0, buckets).Where(b => bucketCount[b] > 0).Select(b => new SeriesPoint("position_nll",
            (b + 0.5) * contextLength / buckets, bucketSum[b] / bucketCount[b], JsonSerializer.Serialize(new { count = bucketCount[b] }))).ToList();
        string description = protocol.Describe(contextLength, model.BosId is not null) + $" documents={chosen.Count}"
            + (documentLength > contextLength ? $" documents_of_at_least={documentLength}" : "") + $" windows={plans.Count} tokens_scored={count}";
        return new TaskResult(metrics, series, processed, description);
    }

    private sealed record TokenizedDocument(string Id, int[] Tokens);

    /// <summary>The documents scored at <paramref name="length"/> (<see cref="DocumentChoice"/>), as streams with BOS first when the model has one (<see cref="PerplexityProtocol.Stream"/>).</summary>
    private List<TokenizedDocument> ChooseDocuments(ILanguageModel model, int length, int seed) =>
        DocumentChoice.FirstLongEnough(documents(), d => Tokens(model, d).Length, length, seed, maxDocuments)
            .Select(d => new TokenizedDocument(d.Id, Tokens(model, d))).ToList();

    private int[] Tokens(ILanguageModel model, Document document)
    {
        if (tokenCache.TryGetValue(document.Id, out int[]? cached)) return cached;
        int[] tokens = PerplexityProtocol.Stream(model.Encode(document.Text), model.BosId);
        tokenCache[document.Id] = tokens;
        return tokens;
    }
}
