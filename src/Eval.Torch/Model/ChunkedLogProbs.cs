using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Negative log-likelihoods (and optionally ranks) of target tokens, computed through the output head a chunk
/// of positions at a time, so memory holds (B, chunk, V) logits rather than (B, T, V).
/// </summary>
public static class ChunkedLogProbs
{
    /// <summary>Positions per chunk; 512 x 32k vocabulary x 4 bytes = 64 MB per window.</summary>
    public const int ChunkPositions = 512;

    /// <summary>fp32 log-probabilities computed at once: 2M (8 MB, 64 positions of a 32k vocabulary).</summary>
    private const long SoftmaxSliceElements = 1L << 21;

    /// <summary>
    /// hidden (B, P, D): states that predict targets (B, P) (hidden at position t predicts token t + 1).
    /// Returns NLL (B, P) in fp32 and, when asked, ranks (B, P): how many vocabulary entries score strictly higher.
    /// </summary>
    public static (Tensor Nll, Tensor? Ranks) Compute(CausalLM lm, Tensor hidden, Tensor targets, bool withRanks)
    {
        using var scope = NewDisposeScope();
        var nllChunks = new List<Tensor>();
        var rankChunks = new List<Tensor>();
        long positions = hidden.shape[1];
        for (long p0 = 0; p0 < positions; p0 += ChunkPositions)
        {
            using var chunkScope = NewDisposeScope();   // a chunk's logits are freed before the next chunk's are made
            var slice = TensorIndex.Slice(p0, Math.Min(positions, p0 + ChunkPositions));
            var logits = lm.Logits(hidden[.., slice]);                             // (B, c, V), the model's dtype
            var target = targets[.., slice].unsqueeze(-1);                         // (B, c, 1)
            // NLL = -log_softmax at the target, in fp32: the same logsumexp(logits) - logit, but libtorch's CPU logsumexp
            // took 140-155 ms per 512 x 32k chunk here against log_softmax's 24-26 ms (bf16 in, fp32 out; 2026-12-07,
            // `bench --components` put the head and NLL at ~40% of a bf16 window before this).
            // A few rows at a time: the chunk's whole fp32 log-softmax (64 MB at 512 x 32k) is over glibc's mmap threshold,
            // so every chunk mapped and faulted in fresh memory (~10k page faults a 4,096-token window); 8 MB slices are
            // reused from the allocator and stay in cache: 150-280 ms less per bf16 window of synthetic:100m, same bits.
            long rows = logits.shape[1], step = Math.Max(1, SoftmaxSliceElements / (logits.shape[0] * logits.shape[2]));
            var nllSlices = new List<Tensor>();
            for (long r0 = 0; r0 < rows; r0 += step)
            {
                var part = TensorIndex.Slice(r0, Math.Min(rows, r0 + step));
                using var logProbs = logits[.., part].log_softmax(-1, dtype: ScalarType.Float32);   // (B, step, V)
                nllSlices.Add(logProbs.gather(-1, target[.., part]).squeeze(-1).neg());             // (B, step)
            }
            nllChunks.Add(cat(nllSlices, dim: 1).MoveToOuterDisposeScope());
            if (!withRanks) continue;
            var logits32 = logits.to(ScalarType.Float32);                           // ranks compare raw logits, as before
            rankChunks.Add((logits32 > logits32.gather(-1, target)).sum(-1, type: ScalarType.Int32).MoveToOuterDisposeScope());
        }
        var nll = cat(nllChunks, dim: 1).MoveToOuterDisposeScope();
        var ranks = withRanks ? cat(rankChunks, dim: 1).MoveToOuterDisposeScope() : null;
        return (nll, ranks);
    }
}
