using System.Diagnostics;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Torch.Model;

namespace Eval.Torch.Bench;

/// <summary>
/// Perplexity-scoring speed and memory of a model: for each length and strategy, the median time of a scoring pass
/// (several windows per pass at short lengths, as the runner batches them), the FLOP rate it implies, its share of
/// the machine's matmul peak, and the process's peak memory during it.
/// </summary>
public sealed class ScoringBenchmark(TorchLanguageModel model, double peakFlopsPerSecond, int repeats)
{
    // FLOPs by the one count `eval cost` prints (ModelCost: multiply-adds as two; linear layers, causal attention and
    // the output head; embeddings and norms ignored, the PaLM MFU convention).
    private readonly ModelCost cost = new(model.Config ?? throw new ArgumentException("The benchmark needs the model's config (its FLOP count)."), 4);

    public BenchRow Measure(int length, IPositionalStrategy strategy)
    {
        model.Strategy = ContextLengthStrategy.For(strategy, length);
        int windows = Math.Max(1, model.BatchTokenBudget / length);
        var random = new Random(length);
        var batch = Enumerable.Range(0, windows)
            .Select(_ => new ScoringWindow(Enumerable.Range(0, length).Select(_ => random.Next(3, model.Model.Shape.VocabSize)).ToArray(), 1)).ToList();
        model.Score(batch.Take(1).Select(w => new ScoringWindow(w.Tokens[..Math.Min(length, 64)], 1)).ToList()); // warm-up
        var times = new List<double>();
        long peak = 0;
        for (int r = 0; r < repeats; r++)
        {
            GC.Collect();
            PeakMemory.Reset();
            var clock = Stopwatch.StartNew();
            model.Score(batch);
            times.Add(clock.Elapsed.TotalSeconds);
            peak = Math.Max(peak, PeakMemory.PeakBytes());
        }
        double median = times.Order().ElementAt(times.Count / 2);
        double flops = cost.FlopsPerWindow(length) * windows / median;
        return new BenchRow(length, strategy.Spec.ToString(), windows, median, (double)length * windows / median, flops, flops / peakFlopsPerSecond, peak);
    }

    /// <summary>Runs <paramref name="cases"/> short scoring cases back to back; returns the peak memory after each.</summary>
    public IReadOnlyList<long> Soak(int cases, int length, IPositionalStrategy strategy)
    {
        model.Strategy = ContextLengthStrategy.For(strategy, length);
        var random = new Random(7);
        var peaks = new List<long>();
        for (int i = 0; i < cases; i++)
        {
            var window = new ScoringWindow(Enumerable.Range(0, length).Select(_ => random.Next(3, model.Model.Shape.VocabSize)).ToArray(), 1);
            model.Score([window]);
            peaks.Add(PeakMemory.PeakBytes());
        }
        return peaks;
    }
}
