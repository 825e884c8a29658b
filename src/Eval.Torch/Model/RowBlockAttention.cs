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

    /// <summary>Fewest query rows per fused block of <see cref="DualRotary"/> (tests lower it to cross block edges).</summary>
    public static int DualRotaryMinRows { get; set; } = 64;

    /// <summary>
    /// Two rotations of the same queries and keys: "near" (true positions) for pairs with i - j &lt; window,
    /// "far" (the strategy's remapped positions) beyond. Every input is (B, nH, *, hd); returns (B, nH, T, hd).
    /// Both rotations go through one fused attention call per block of rows: queries [near | far] (2 hd) meet keys
    /// [near | 0] and [0 | far], so each dot product is near.near or far.far, and a mask picks which copy of a key
    /// a query sees. No score matrix is ever written out, which is where the time of the explicit version went.
    /// </summary>
    public static Tensor DualRotary(Tensor nearQ, Tensor nearK, Tensor farQ, Tensor farK, Tensor v, int offset, int window)
    {
        using var scope = NewDisposeScope();
        long rows = nearQ.shape[2];
        var queries = cat([nearQ, farQ], dim: -1) * Math.Sqrt(2.0);               // (B, nH, T, 2hd); sqrt 2 undoes the 1/sqrt(2hd) scale
        var none = zeros_like(nearK);
        var nearKeys = cat([nearK, none], dim: -1);                                // (B, nH, S, 2hd)
        var farKeys = cat([none, farK], dim: -1);                                  // (B, nH, S, 2hd)
        var paddedValues = cat([v, zeros_like(v)], dim: -1);                       // (B, nH, S, 2hd): the fused kernel wants one head size
        // Blocks of up to 1024 rows (fewer when the (R, S) mask would pass the score budget), and at least two
        // windows: every block rereads the keys before its band, so larger blocks cost less (measured at 16k, one
        // thread: 256 rows 5.5 s, 512 rows 3.3 s, 1024 rows 2.9 s per layer-call; causal SDPA 1.1 to 1.5 s).
        long keysTotal = offset + rows;
        long block = Math.Max(2L * window, Math.Clamp(ScoreBudget / Math.Max(1, keysTotal), DualRotaryMinRows, 1024));
        var outputs = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();                              // frees this block's keys and mask
            long r1 = Math.Min(rows, r0 + block);
            long keyEnd = offset + r1;
            long farEnd = Math.Clamp(offset + r0 - window + 1, 0, keyEnd);        // keys [0, farEnd) are far from every row
            var band = TensorIndex.Slice(farEnd, keyEnd);
            var keys = cat([farKeys[.., .., TensorIndex.Slice(0, keyEnd)], nearKeys[.., .., band]], dim: 2);   // (B, nH, keyEnd + band, 2hd)
            var values = cat([paddedValues[.., .., TensorIndex.Slice(0, keyEnd)], paddedValues[.., .., band]], dim: 2);
            // Additive mask (R, keyEnd + band): the far prefix is all visible, so only the band is computed.
            var distance = Distances(offset + r0, offset + r1, farEnd, keyEnd);                            // (R, band)
            var open = zeros(r1 - r0, keyEnd - farEnd, dtype: queries.dtype);
            var mask = cat([zeros(r1 - r0, farEnd, dtype: queries.dtype),
                            open.masked_fill(distance < window, double.NegativeInfinity),                 // far copy: i - j >= w
                            open.masked_fill((distance < 0).logical_or(distance >= window), double.NegativeInfinity)], dim: -1);
            var output = nn.functional.scaled_dot_product_attention(queries[.., .., TensorIndex.Slice(r0, r1)], keys, values, attn_mask: mask);
            outputs.Add(output[.., .., .., TensorIndex.Slice(0, v.shape[^1])].contiguous().MoveToOuterDisposeScope()); // (B, nH, R, hd)
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ALiBi: softmax(q k^T / sqrt(hd) - slope_h * (i - j)) v through the fused kernel, the bias passed as a per-head
    /// additive mask (-inf above the diagonal), one block of rows at a time. Inputs (B, nH, *, hd), slopes (nH, 1, 1).
    /// </summary>
    public static Tensor Alibi(Tensor q, Tensor k, Tensor v, int offset, Tensor slopes)
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], heads = q.shape[1], rows = q.shape[2], keys = offset + rows;
        long block = Math.Clamp(ScoreBudget / Math.Max(1, batch * heads * keys), 16, Math.Max(16, rows));
        var outputs = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();
            long r1 = Math.Min(rows, r0 + block), keyEnd = offset + r1;
            var distance = Distances(offset + r0, offset + r1, 0, keyEnd);                      // (R, keyEnd)
            var bias = (slopes.to(q.dtype) * distance.to(q.dtype).neg().unsqueeze(0))           // (nH, R, keyEnd)
                .masked_fill(distance < 0, double.NegativeInfinity).unsqueeze(0);               // (1, nH, R, keyEnd)
            var rowsOut = nn.functional.scaled_dot_product_attention(q[.., .., TensorIndex.Slice(r0, r1)],
                k[.., .., TensorIndex.Slice(0, keyEnd)], v[.., .., TensorIndex.Slice(0, keyEnd)], attn_mask: bias);
            outputs.Add(rowsOut.MoveToOuterDisposeScope());
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }

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
