using System.Diagnostics;
using System.Text.RegularExpressions;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Torch.Bench;

/// <summary>One part of a scoring pass: its seconds per pass, and the FLOPs it does (null where none are counted).</summary>
public sealed record PassComponent(string Name, double Seconds, double? Flops);

/// <summary>
/// Where a scoring pass's time goes, at one model's shapes and dtype (`bench --components`). Each part is timed on its
/// own over inputs of the pass's shape and scaled to the pass: the linear layers (every 2-D weight of the first decoder
/// layer as x W^T over the pass's tokens, times the layers), attention (the strategy's own kernel, planned once and
/// attending once per layer, RoPE included, over random q, k, v), and the output head with the NLL (the scorer's own
/// <see cref="ChunkedLogProbs"/>). The rest is the whole pass minus those: norms, activations, residual adds,
/// embeddings and copies. Parts are timed apart, in rounds (median per part), so caches and the allocator differ from
/// inside a pass and the rest can read high or even negative on a noisy host: it says where the time goes, not to the
/// millisecond.
/// </summary>
public sealed class ComponentBenchmark(TorchLanguageModel model, int repeats)
{
    private static readonly Regex FirstLayer = new(@"(^|\.)(layers|h)\.0\.");
    private readonly ModelCost cost = new(model.Config ?? throw new ArgumentException("--components needs the model's config (its FLOP count)."), 4);

    public IReadOnlyList<PassComponent> Measure(int length, IPositionalStrategy strategy, double wholePassSeconds)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var lm = model.Model;
        var shape = lm.Shape;
        var dtype = lm.parameters().First().dtype;
        int windows = Math.Max(1, model.BatchTokenBudget / length);
        long tokens = (long)windows * length;
        var runs = new List<(int Part, double Times, Action Run)>();   // Times: how often a pass does it

        double linearFlops = 0;
        foreach (var (_, weight) in lm.named_parameters().Where(p => FirstLayer.IsMatch(p.name) && p.parameter.dim() == 2))
        {
            var x = randn(tokens, weight.shape[1], dtype: dtype);                                // (N, in)
            runs.Add((0, shape.Layers, () => nn.functional.linear(x, weight).Dispose()));        // (N, out)
            linearFlops += 2.0 * tokens * weight.numel() * shape.Layers;
        }

        var positions = ContextLengthStrategy.For(strategy, length);
        var q = randn(windows, shape.Heads, length, shape.HeadDim, dtype: dtype);               // (B, nH, T, hd)
        var k = randn(windows, shape.Heads, length, shape.HeadDim, dtype: dtype);
        var v = randn(windows, shape.Heads, length, shape.HeadDim, dtype: dtype);
        (Tensor, Tensor)? kerple = shape.Encoding == PositionEncoding.Kerple ? (rand(shape.Heads) + 0.5, rand(shape.Heads) + 0.5) : null; // r1, r2 (nH)
        using var attention = new PositionalAttention(positions, shape, 0, length, length);
        runs.Add((1, 1, () => new PositionalAttention(positions, shape, 0, length, length).Dispose()));   // planned once a pass
        runs.Add((1, shape.Layers, () => attention.Attend(q, k, v, 0, kerple).Dispose()));              // then once a layer

        var hidden = randn(windows, length, shape.HiddenSize, dtype: dtype);                    // (B, T, D)
        var targets = randint(3, shape.VocabSize, [windows, length], dtype: ScalarType.Int64);
        runs.Add((2, 1, () => ChunkedLogProbs.Compute(lm, hidden, targets, withRanks: false).Nll.Dispose()));

        // Rounds: every part once per round, medians per part, so a slow spell of the host (Benchmarks) lands on one
        // round of every part rather than on every repeat of one part.
        foreach (var run in runs) run.Run();   // warm-up: first-touch page faults and kernel selection are not the part's cost
        var times = runs.Select(_ => new List<double>()).ToList();
        for (int round = 0; round < Math.Max(repeats, 5); round++)
            for (int i = 0; i < runs.Count; i++)
            {
                var clock = Stopwatch.StartNew();
                runs[i].Run();
                times[i].Add(clock.Elapsed.TotalSeconds);
            }
        double Seconds(int part) => runs.Select((r, i) => (r, i)).Where(p => p.r.Part == part)
            .Sum(p => p.r.Times * times[p.i].Order().ElementAt(times[p.i].Count / 2));

        double linearSeconds = Seconds(0), attentionSeconds = Seconds(1), headSeconds = Seconds(2);
        return
        [
            new("linear layers", linearSeconds, linearFlops),
            new("attention (positions and kernel)", attentionSeconds, cost.AttentionFlopsPerWindow(length) * windows),
            new("output head and NLL", headSeconds, 2.0 * tokens * shape.VocabSize * shape.HiddenSize),
            new("rest (norms, activations, residuals, embeddings)", wholePassSeconds - linearSeconds - attentionSeconds - headSeconds, null),
        ];
    }
}
