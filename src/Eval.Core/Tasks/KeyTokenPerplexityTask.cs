using System.Globalization;
using System.Text.Json;
using Eval.Core.Corpora;
using Eval.Core.Models;
using Eval.Core.Results;

namespace Eval.Core.Tasks;

/// <summary>
/// keyppl: perplexity over key tokens only (<see cref="KeyTokenSelection"/>), on the long-range corpus. Windows are cut by
/// perplexity's protocols (sliding by default, min_context too); only windows that score a key token run. The headline
/// is the token-weighted perplexity of the key tokens; nll:d=D gives the mean NLL of the repeats at distance D, which
/// drops only where D fits in the context a method uses; doc:ID each document's key-token NLL, the units `eval paired` matches.
/// </summary>
public sealed class KeyTokenPerplexityTask : IEvalTask
{
    private readonly Func<IReadOnlyList<LongRangeDocument>> documents;
    private readonly Dictionary<string, KeyTokenSelection.Selection> cache = [];
    private readonly PerplexityProtocol protocol;
    private readonly int maxDocuments, batch, documentLength;
    private readonly bool sameDocuments;

    public KeyTokenPerplexityTask(IReadOnlyDictionary<string, string> parameters, Func<IReadOnlyList<LongRangeDocument>> documents)
    {
        var p = new TaskParameters(TaskName, parameters, [.. PerplexityProtocol.ParameterKeys, "documents", "batch", "corpus",
            PerplexityTask.SameDocumentsKey, PerplexityTask.DocumentLengthKey]);
        protocol = PerplexityProtocol.Read(p);
        (sameDocuments, documentLength) = PerplexityTask.ReadDocumentLength(p, TaskName);
        maxDocuments = p.Integer("documents", 4, 1);
        batch = p.Integer("batch", 8, 1, 1024);
        p.Text("corpus", "bundled");
        p.ThrowIfInvalid();
        CanonicalParameters = p.Canonical;
        this.documents = documents;
    }

    public const string TaskName = "keyppl";

    /// <summary>Each document's key-token NLL is stored as doc:ID (nll: already names the distances).</summary>
    public const string DocumentMetricPrefix = "doc:";

    /// <summary>A stored case's units for a paired test: each document's mean key-token NLL (the log of its key-token perplexity).</summary>
    public static IReadOnlyDictionary<string, double> PairedUnits(CaseResult stored) => PerplexityTask.MeanNllByDocument(stored, DocumentMetricPrefix);

    /// <summary>One point per repeat distance: x the distance in tokens, y the mean NLL of its key tokens.</summary>
    public const string DistanceSeries = "distance_nll";

    /// <summary>Perplexity of the key tokens, named ppl so that progress lines, comparison and the report read it as perplexity.</summary>
    public static readonly HeadlineMetric Perplexity = PerplexityTask.Perplexity;

    public string Name => TaskName;
    public string CanonicalParameters { get; }
    public HeadlineMetric Headline => Perplexity;

    public string? LengthProblem(int contextLength) => protocol.LengthProblem(TaskName, contextLength);

    public TaskResult Run(ILanguageModel model, int contextLength, int seed, IProgress<double>? progress, CancellationToken cancel)
    {
        var chosen = Choose(model, PerplexityTask.ChoosingLength(TaskName, sameDocuments, documentLength, contextLength), seed);
        // Only windows that score a key token: the others would cost a forward pass and add nothing.
        var plans = chosen.SelectMany(d => protocol.Plan(d.Selection.Stream.Length, contextLength)
            .Where(w => Enumerable.Range(w.Start + w.FirstTarget, w.Targets).Any(d.Selection.DistanceAt.ContainsKey))
            .Select(w => (Document: d, Window: w))).ToList();

        var byDistance = new SortedDictionary<int, (double Nll, double Squares, long Tokens)>();
        var byDocument = new SortedDictionary<string, (double Nll, double Squares, long Tokens)>(StringComparer.Ordinal);
        long processed = 0;
        for (int done = 0; done < plans.Count; done += batch)
        {
            cancel.ThrowIfCancellationRequested();
            var group = plans.Skip(done).Take(batch).ToList();
            var scores = model.Score(group.Select(g => new ScoringWindow(protocol.WindowTokens(g.Document.Selection.Stream, g.Window, model.BosId), g.Window.FirstTarget)).ToList());
            for (int i = 0; i < group.Count; i++)
            {
                var (document, window) = group[i];
                float[] nll = scores[i].Nll; // [targets]: nll[j] predicts stream index Start + FirstTarget + j
                for (int j = 0; j < nll.Length; j++)
                {
                    if (!document.Selection.DistanceAt.TryGetValue(window.Start + window.FirstTarget + j, out int distance)) continue;
                    if (!float.IsFinite(nll[j])) throw new TaskException($"Non-finite NLL ({nll[j]}) in {document.Id} at L={contextLength}.");
                    var total = byDistance.GetValueOrDefault(distance);
                    byDistance[distance] = (total.Nll + nll[j], total.Squares + (double)nll[j] * nll[j], total.Tokens + 1);
                    var ofDocument = byDocument.GetValueOrDefault(document.Id);
                    byDocument[document.Id] = (ofDocument.Nll + nll[j], ofDocument.Squares + (double)nll[j] * nll[j], ofDocument.Tokens + 1);
                }
                processed += window.Length;
            }
            progress?.Report(Math.Min(1.0, (done + group.Count) / (double)plans.Count));
        }
        if (byDistance.Count == 0) throw new TaskException($"No key token is scored at L={contextLength} in {chosen.Count} documents.");

        var metrics = byDistance.Select(d => new MetricValue($"nll:d={d.Key}", d.Value.Nll, d.Value.Tokens, d.Value.Nll / d.Value.Tokens, d.Value.Squares)).ToList();
        metrics.AddRange(byDocument.Select(d => new MetricValue(DocumentMetricPrefix + d.Key, d.Value.Nll, d.Value.Tokens, d.Value.Nll / d.Value.Tokens, d.Value.Squares)));
        double sum = byDistance.Values.Sum(v => v.Nll), squares = byDistance.Values.Sum(v => v.Squares);
        long count = byDistance.Values.Sum(v => v.Tokens);
        metrics.Add(new MetricValue("nll", sum, count, sum / count, squares));
        metrics.Add(new MetricValue(Perplexity.Name, sum, count, Math.Exp(sum / count), squares));
        var series = byDistance.Select(d => new SeriesPoint(DistanceSeries, d.Key, d.Value.Nll / d.Value.Tokens, JsonSerializer.Serialize(new { count = d.Value.Tokens }))).ToList();
        string description = protocol.Describe(contextLength, model.BosId is not null) + string.Create(CultureInfo.InvariantCulture,
            $" documents={chosen.Count}{(documentLength > contextLength ? $" documents_of_at_least={documentLength}" : "")} windows={plans.Count} key_tokens={count} key_rule=repeats-less-first-{LongRangeCorpus.SkippedTokens}-tokens");
        return new TaskResult(metrics, series, processed, description);
    }

    private sealed record Chosen(string Id, KeyTokenSelection.Selection Selection);

    /// <summary>The documents scored at <paramref name="length"/>, chosen as perplexity chooses them (<see cref="DocumentChoice"/>).</summary>
    private List<Chosen> Choose(ILanguageModel model, int length, int seed) =>
        DocumentChoice.FirstLongEnough(documents(), d => Selection(model, d).Stream.Length, length, seed, maxDocuments)
            .Select(d => new Chosen(d.Id, Selection(model, d))).ToList();

    private KeyTokenSelection.Selection Selection(ILanguageModel model, LongRangeDocument document)
    {
        if (!cache.TryGetValue(document.Id, out var selection)) cache[document.Id] = selection = KeyTokenSelection.Select(model, document);
        return selection;
    }
}
