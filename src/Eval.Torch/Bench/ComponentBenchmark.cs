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
/// embeddings and copies. Parts are timed apart, so caches start warmer than inside a pass and the rest can read a
/// little high or low; it says where the time goes, not to the millisecond.
/// </summary>
public sealed class ComponentBenchmark(TorchLanguageModel model, int repeats)
{
    private static readonly Regex FirstLayer = new(@"(^|\.)(layers|h)\.0\.");

    public IReadOnlyList<PassComponent> Measure(int length, IPositionalStrategy strategy, double wholePassSeconds)
    {
        using var noGrad = no_grad();
        var lm = model.Model;
        var shape = lm.Shape;
        var dtype = lm.parameters().First().dtype;
        int windows = Math.Max(1, model.BatchTokenBudget / length);
        long tokens = (long)windows * length;

        double linearSeconds = 0, linearFlops = 0;
        foreach (var (_, weight) in lm.named_parameters().Where(p => FirstLayer.IsMatch(p.name) && p.parameter.dim() == 2))
        {
            using var x = randn(tokens, weight.shape[1], dtype: dtype);                       // (N, in)
            linearSeconds += Median(() => nn.functional.linear(x, weight).Dispose());           // (N, out)
            linearFlops += 2.0 * tokens * weight.numel();
        }
        linearSeconds *= shape.Layers;
        linearFlops *= shape.Layers;

        var positions = ContextLengthStrategy.For(strategy, length);
        using var q = randn(windows, shape.Heads, length, shape.HeadDim, dtype: dtype);        // (B, nH, T, hd)
        using var k = randn(windows, shape.Heads, length, shape.HeadDim, dtype: dtype);
        using var v = randn(windows, shape.Heads, length, shape.HeadDim, dtype: dtype);
        using var r1 = rand(shape.Heads) + 0.5;                                                // KERPLE's r1, r2 where the model has them
        using var r2 = rand(shape.Heads) + 0.5;
        (Tensor, Tensor)? kerple = shape.Encoding == PositionEncoding.Kerple ? (r1, r2) : null;
        double planSeconds = Median(() => new PositionalAttention(positions, shape, 0, length, length).Dispose());
        using var attention = new PositionalAttention(positions, shape, 0, length, length);
        double attendSeconds = Median(() => attention.Attend(q, k, v, 0, kerple).Dispose());
        var cost = new ModelCost(model.Config ?? throw new ArgumentException("--components needs the model's config (its FLOP count)."), 4);
        double attentionFlops = cost.AttentionFlopsPerWindow(length) * windows;

        using var hidden = randn(windows, length, shape.HiddenSize, dtype: dtype);              // (B, T, D)
        using var targets = randint(3, shape.VocabSize, [windows, length], dtype: ScalarType.Int64);
        double headSeconds = Median(() => ChunkedLogProbs.Compute(lm, hidden, targets, withRanks: false).Nll.Dispose());
        double headFlops = 2.0 * tokens * shape.VocabSize * shape.HiddenSize;

        double attentionSeconds = planSeconds + shape.Layers * attendSeconds;
        return
        [
            new("linear layers", linearSeconds, linearFlops),
            new("attention (positions and kernel)", attentionSeconds, attentionFlops),
            new("output head and NLL", headSeconds, headFlops),
            new("rest (norms, activations, residuals, embeddings)", wholePassSeconds - linearSeconds - attentionSeconds - headSeconds, null),
        ];
    }

    private double Median(Action run)
    {
        run(); // warm-up: first-touch page faults and kernel selection are not the part's cost
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            run();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return times.Order().ElementAt(times.Count / 2);
    }
}
