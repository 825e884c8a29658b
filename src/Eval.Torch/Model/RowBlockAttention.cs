using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Attention for what plain causal SDPA cannot express (ReRoPE, Leaky ReRoPE, Self-Extend, ALiBi, new queries
/// after a cache), still through libtorch's fused kernel: one block of query rows at a time with an additive mask
/// of at most (B, nH, R, S) elements, so memory is linear in the sequence length (the reference implementations
/// build the full S x S matrix) and no score matrix is written out. Queries sit at absolute positions offset + r;
/// keys at 0..S-1; causal: key j is visible to query i iff j &lt;= i.
/// </summary>
public static class RowBlockAttention
{
    /// <summary>Upper bound on mask elements per block (B * nH * R * S): 2^25 floats = 128 MB.</summary>
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
        // Blocks of up to 1024 rows (fewer when the (R, S) mask would pass the score budget), and at least one
        // window: every block rereads the keys before its band, so larger blocks cost less (measured at 16k, one
        // thread: 256 rows 5.5 s, 512 rows 3.3 s, 1024 rows 2.9 s per layer-call; causal SDPA 1.1 to 1.5 s), while
        // the band, computed for both rotations, grows with R + w (Self-Extend's w = 1024: 2048 rows 16.1 s, 1024
        // rows 14.5 s for the whole model).
        long keysTotal = offset + rows;
        long block = Math.Max(window, Math.Clamp(ScoreBudget / Math.Max(1, keysTotal), DualRotaryMinRows, 1024));
        var outputs = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();                              // frees this block's keys and mask
            long r1 = Math.Min(rows, r0 + block);
            long keyEnd = offset + r1;
            // Far copies: keys [0, farStop) (the last row's far keys end at its position - w); every row sees
            // [0, farEnd) far. Near copies: keys [farEnd, keyEnd), within a window of some row.
            long farEnd = Math.Clamp(offset + r0 - window + 1, 0, keyEnd);
            long farStop = Math.Clamp(offset + r1 - window, farEnd, keyEnd);
            var far = TensorIndex.Slice(0, farStop);
            var near = TensorIndex.Slice(farEnd, keyEnd);
            var keys = cat([farKeys[.., .., far], nearKeys[.., .., near]], dim: 2);             // (B, nH, farStop + near, 2hd)
            var values = cat([paddedValues[.., .., far], paddedValues[.., .., near]], dim: 2);
            // Additive mask (R, farStop + near): only the columns past farEnd depend on the row.
            var farDistance = Distances(offset + r0, offset + r1, farEnd, farStop);                // (R, farStop - farEnd)
            var nearDistance = Distances(offset + r0, offset + r1, farEnd, keyEnd);                // (R, near)
            var mask = cat([zeros(r1 - r0, farEnd, dtype: queries.dtype),
                            zeros_like(farDistance, dtype: queries.dtype).masked_fill(farDistance < window, double.NegativeInfinity),
                            zeros_like(nearDistance, dtype: queries.dtype).masked_fill((nearDistance < 0).logical_or(nearDistance >= window), double.NegativeInfinity)], dim: -1);
            var output = nn.functional.scaled_dot_product_attention(queries[.., .., TensorIndex.Slice(r0, r1)], keys, values, attn_mask: mask);
            outputs.Add(output[.., .., .., TensorIndex.Slice(0, v.shape[^1])].contiguous().MoveToOuterDisposeScope()); // (B, nH, R, hd)
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }

    /// <summary>ALiBi: softmax(q k^T / sqrt(hd) - slope_h * (i - j)) v; inputs (B, nH, *, hd), slopes (nH, 1, 1).</summary>
    public static Tensor Alibi(Tensor q, Tensor k, Tensor v, int offset, Tensor slopes) =>
        FusedByRowBlocks(q, k, v, offset, (r0, r1) =>
        {
            var distance = Distances(offset + r0, offset + r1, 0, offset + r1);                // (R, keyEnd)
            return (slopes.to(q.dtype) * distance.to(q.dtype).neg().unsqueeze(0))              // (nH, R, keyEnd)
                .masked_fill(distance < 0, double.NegativeInfinity).unsqueeze(0);              // (1, nH, R, keyEnd)
        });

    /// <summary>Plain causal attention for several new queries after a cache (rotated inputs).</summary>
    public static Tensor Causal(Tensor q, Tensor k, Tensor v, int offset) =>
        FusedByRowBlocks(q, k, v, offset, (r0, r1) =>
            zeros(r1 - r0, offset + r1, dtype: q.dtype).masked_fill(Distances(offset + r0, offset + r1, 0, offset + r1) < 0, double.NegativeInfinity));

    /// <summary>i - j for queries [i0, i1) and keys [j0, j1): (i1 - i0, j1 - j0), int64.</summary>
    private static Tensor Distances(long i0, long i1, long j0, long j1) =>
        arange(i0, i1, dtype: ScalarType.Int64).unsqueeze(1) - arange(j0, j1, dtype: ScalarType.Int64).unsqueeze(0);

    /// <summary>
    /// Fused attention of each block of query rows [r0, r1) over keys [0, offset + r1) with the additive mask that
    /// <paramref name="mask"/> returns for the block ((R, keyEnd) or (1, nH, R, keyEnd)); blocks sized so a mask
    /// stays within <see cref="ScoreBudget"/>. Inputs (B, nH, *, hd); returns (B, nH, T, hd).
    /// </summary>
    private static Tensor FusedByRowBlocks(Tensor q, Tensor k, Tensor v, int offset, Func<long, long, Tensor> mask)
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], heads = q.shape[1], rows = q.shape[2], keys = offset + rows;
        long block = Math.Clamp(ScoreBudget / Math.Max(1, batch * heads * keys), 16, Math.Max(16, rows));
        var outputs = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();
            long r1 = Math.Min(rows, r0 + block);
            var keyRange = TensorIndex.Slice(0, offset + r1);
            outputs.Add(nn.functional.scaled_dot_product_attention(q[.., .., TensorIndex.Slice(r0, r1)], k[.., .., keyRange], v[.., .., keyRange],
                attn_mask: mask(r0, r1)).MoveToOuterDisposeScope());
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }
}
