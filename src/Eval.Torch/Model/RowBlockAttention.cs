using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Attention computed one block of query rows at a time, for the variants libtorch's fused kernel cannot
/// express (ReRoPE, Leaky ReRoPE, Self-Extend, ALiBi). Each block materialises only (B, nH, R, S) scores, so
/// memory is linear in the sequence length; the reference implementations build the full S x S matrix.
/// Queries sit at absolute positions offset + r; keys at 0..S-1; causal: key j is visible to query i iff j &lt;= i.
/// </summary>
public static class RowBlockAttention
{
    /// <summary>Upper bound on score elements per block (B * nH * R * S): 2^25 floats = 128 MB.</summary>
    public static long ScoreBudget { get; set; } = 1L << 25;

    /// <summary>
    /// Two rotations of the same queries and keys: "near" (true positions) for pairs with i - j &lt; window,
    /// "far" (the strategy's remapped positions) beyond. Every input is (B, nH, *, hd); returns (B, nH, T, hd).
    /// </summary>
    public static Tensor DualRotary(Tensor nearQ, Tensor nearK, Tensor farQ, Tensor farK, Tensor v, int offset, int window) =>
        // Blocks of about a window's rows keep the band that needs both rotations narrow (about 2 w keys);
        // every key before it costs one plain matmul.
        ByRowBlocks(nearQ, v, offset, maxRows: Math.Max(64, window), (r0, r1) =>
        {
            long keyEnd = offset + r1;
            // Keys [0, farEnd) are at distance >= window from every query of the block: far scores only.
            long farEnd = Math.Clamp(offset + r0 - window + 1, 0, keyEnd);
            var rows = TensorIndex.Slice(r0, r1);
            var farScores = farQ[.., .., rows].matmul(farK[.., .., TensorIndex.Slice(0, farEnd)].transpose(-2, -1));
            var band = TensorIndex.Slice(farEnd, keyEnd);
            var nearBand = nearQ[.., .., rows].matmul(nearK[.., .., band].transpose(-2, -1));
            var farBand = farQ[.., .., rows].matmul(farK[.., .., band].transpose(-2, -1));
            var distance = Distances(offset + r0, offset + r1, farEnd, keyEnd);          // (R, band)
            var bandScores = where(distance < window, nearBand, farBand)
                .masked_fill(distance < 0, double.NegativeInfinity);
            return cat([farScores, bandScores], dim: -1);                               // (B, nH, R, keyEnd)
        });

    /// <summary>ALiBi: unrotated scores plus -slope_h * (i - j); inputs (B, nH, *, hd), slopes (nH, 1, 1).</summary>
    public static Tensor Alibi(Tensor q, Tensor k, Tensor v, int offset, Tensor slopes) =>
        ByRowBlocks(q, v, offset, maxRows: int.MaxValue, (r0, r1) =>
        {
            long keyEnd = offset + r1;
            var scores = q[.., .., TensorIndex.Slice(r0, r1)].matmul(k[.., .., TensorIndex.Slice(0, keyEnd)].transpose(-2, -1));
            var distance = Distances(offset + r0, offset + r1, 0, keyEnd);              // (R, S)
            var bias = slopes.to(scores.dtype) * distance.to(scores.dtype).neg().unsqueeze(0); // (nH, R, S)
            return (scores + bias * Math.Sqrt(q.shape[^1])).masked_fill(distance < 0, double.NegativeInfinity);
        });

    /// <summary>Plain causal attention for several new queries after a cache (rotated inputs).</summary>
    public static Tensor Causal(Tensor q, Tensor k, Tensor v, int offset) =>
        ByRowBlocks(q, v, offset, maxRows: int.MaxValue, (r0, r1) =>
        {
            long keyEnd = offset + r1;
            var scores = q[.., .., TensorIndex.Slice(r0, r1)].matmul(k[.., .., TensorIndex.Slice(0, keyEnd)].transpose(-2, -1));
            return scores.masked_fill(Distances(offset + r0, offset + r1, 0, keyEnd) < 0, double.NegativeInfinity);
        });

    /// <summary>i - j for queries [i0, i1) and keys [j0, j1): (i1 - i0, j1 - j0), int64.</summary>
    private static Tensor Distances(long i0, long i1, long j0, long j1) =>
        arange(i0, i1, dtype: ScalarType.Int64).unsqueeze(1) - arange(j0, j1, dtype: ScalarType.Int64).unsqueeze(0);

    /// <summary>
    /// Runs softmax(scores / sqrt(hd)) @ v block by block. <paramref name="rowScores"/> returns unscaled scores
    /// (B, nH, R, keyEnd) for rows [r0, r1) with -inf where masked; the softmax runs in fp32.
    /// </summary>
    private static Tensor ByRowBlocks(Tensor q, Tensor v, int offset, int maxRows, Func<long, long, Tensor> rowScores)
    {
        long batch = q.shape[0], heads = q.shape[1], rows = q.shape[2], keys = offset + rows;
        long block = Math.Clamp(Math.Min(maxRows, ScoreBudget / Math.Max(1, batch * heads * keys)), 16, Math.Max(16, rows));
        double scale = 1.0 / Math.Sqrt(q.shape[^1]);
        var outputs = new List<Tensor>();
        using var outer = NewDisposeScope();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            long r1 = Math.Min(rows, r0 + block);
            using var scope = NewDisposeScope();
            var weights = (rowScores(r0, r1).to(ScalarType.Float32) * scale).softmax(-1).to(v.dtype);
            var output = weights.matmul(v[.., .., TensorIndex.Slice(0, offset + r1)]);   // (B, nH, R, hd)
            outputs.Add(output.MoveToOuterDisposeScope());
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }
}
