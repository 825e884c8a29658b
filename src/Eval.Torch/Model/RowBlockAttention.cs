using TorchSharp;
using Eval.Torch.Model.Attention;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Attention for what plain causal SDPA cannot express (ReRoPE, Leaky ReRoPE, Self-Extend, ALiBi, KERPLE, new queries
/// after a cache), still through libtorch's fused kernel, one block of query rows at a time: ALiBi and cached
/// queries with an additive mask of at most (B, nH, R, S) elements, the dual-rotary variants with their far
/// prefix unmasked and only a (B, nH, R, R + w) band explicit. Memory is linear in the sequence length (the
/// reference implementations build the full S x S matrix). Queries sit at absolute positions offset + r;
/// keys at 0..S-1; causal: key j is visible to query i iff j &lt;= i, and with a sliding window W (Mistral, Qwen2) also
/// iff j &gt; i - W: the query sees W keys, itself included, as transformers' masking_utils.sliding_window_overlay
/// (<c>kv_idx &gt; q_idx - sliding_window</c>) and the older _prepare_4d_causal_attention_mask_with_cache_position
/// (masks <c>j &lt;= i - sliding_window</c>) both define it. A block of rows then reads only keys from its first row's
/// window start: memory and time grow as T x W, not T x S.
/// </summary>
public static class RowBlockAttention
{
    /// <summary>Upper bound on mask or explicit score elements per block: 2^25 floats = 128 MB.</summary>
    public static long ScoreBudget { get; set; } = 1L << 25;

    /// <summary>Fewest query rows per fused block of <see cref="DualRotary"/> (tests lower it to cross block edges).</summary>
    public static int DualRotaryMinRows { get; set; } = 64;

    /// <summary>
    /// Two rotations of the same queries and keys: "near" (true positions) for pairs with i - j &lt; window,
    /// "far" (the strategy's remapped positions) beyond. Every input is (B, nH, *, hd); returns (B, nH, T, hd).
    /// A whole window (no cache, no sliding window) goes to <see cref="DualRotaryShiftedCausal"/>, or in bf16 to
    /// <see cref="NativeCausalAttention.AttendDualRotary"/> (<see cref="MatmulCausalAttention.AttendDualRotary"/> without it). Otherwise, per
    /// block of rows R, keys split in two: the prefix [0, farEnd), far from every row, goes through the fused
    /// kernel unmasked; the band [farEnd, keyEnd), where near and far pairs mix, is computed explicitly (R x (R + w)
    /// scores). The two softmaxes are joined exactly by a sentinel key in the fused call whose score is the band's
    /// log-sum-exp and whose value is 1 in an extra column: the fused output is then (1 - p) * far + p * 0 with p
    /// the band's share, so the result is that output plus p * band output. No division, no overflow.
    /// </summary>
    /// <param name="slidingWindow">The model's own window (null: none): keys at i - j &gt;= it are hidden, near or far.</param>
    public static Tensor DualRotary(Tensor nearQ, Tensor nearK, Tensor farQ, Tensor farK, Tensor v, int offset, int window, int? slidingWindow = null)
    {
        if (offset == 0 && slidingWindow is null)
        {
            if (NativeCausalAttention.Serves(farQ, farK, v, nearQ, nearK)) return NativeCausalAttention.AttendDualRotary(nearQ, nearK, farQ, farK, v, window);
            if (MatmulCausalAttention.Serves(nearQ)) return MatmulCausalAttention.AttendDualRotary(nearQ, nearK, farQ, farK, v, window);
            if (nearQ.shape[2] >= window) return DualRotaryShiftedCausal(nearQ, nearK, farQ, farK, v, window);
        }
        using var scope = NewDisposeScope();
        long batch = nearQ.shape[0], heads = nearQ.shape[1], rows = nearQ.shape[2], headDim = nearQ.shape[3];
        double scale = 1.0 / Math.Sqrt(headDim);
        // Keys and values for the fused call, built once with the sentinel first, so that each block's prefix is the
        // contiguous slice [0, farEnd + 1): (B, nH, 1 + S, hd + 1).
        var f32 = ScalarType.Float32;
        var prefixKeys = SentinelFirst(farK);
        var prefixValues = SentinelFirst(v);
        // Small blocks: the band (R + w keys per row, both rotations, explicit) is the slow part; the prefix is one
        // fused call per block over a slice of keys built once, so more blocks cost little.
        long block = Math.Max(DualRotaryMinRows, Math.Min(256, ScoreBudget / Math.Max(1, batch * heads * (256 + window))));
        var outputs = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();
            long r1 = Math.Min(rows, r0 + block), keyEnd = offset + r1;
            long farEnd = Math.Clamp(offset + r0 - window + 1, 0, keyEnd);            // keys [0, farEnd) are far from every row
            long firstKey = WindowStart(offset + r0, slidingWindow);                   // no row sees a key before it
            long bandStart = Math.Max(farEnd, firstKey);
            var rowRange = TensorIndex.Slice(r0, r1);
            var band = TensorIndex.Slice(bandStart, keyEnd);
            // The band, explicitly: near scores within the window, far beyond, nothing above the diagonal.
            var distance = Distances(offset + r0, offset + r1, bandStart, keyEnd);                   // (R, band)
            var nearScores = nearQ[.., .., rowRange].matmul(nearK[.., .., band].transpose(-2, -1));     // (B, nH, R, band)
            var farScores = farQ[.., .., rowRange].matmul(farK[.., .., band].transpose(-2, -1));
            var scores = (where(distance < window, nearScores, farScores) * scale).to(ScalarType.Float32)
                .masked_fill(Hidden(distance, slidingWindow), double.NegativeInfinity);
            var bandOutput = scores.softmax(-1).matmul(v[.., .., band].to(f32));                       // (B, nH, R, hd)
            if (firstKey >= farEnd) { outputs.Add(bandOutput.to(v.dtype).MoveToOuterDisposeScope()); continue; }
            var bandLse = scores.logsumexp(-1, keepdim: true);                                          // (B, nH, R, 1)
            var queries = SentinelQueries(farQ[.., .., rowRange], bandLse);                            // (B, nH, R, hd + 1)
            Tensor fused;                                                                               // (B, nH, R, hd + 1)
            if (slidingWindow is null)
            {
                var prefix = TensorIndex.Slice(0, farEnd + 1);
                fused = nn.functional.scaled_dot_product_attention(queries, prefixKeys[.., .., prefix], prefixValues[.., .., prefix]);
            }
            else
            {
                // The sentinel, then far keys [firstKey, farEnd), those past a row's window hidden (a row may keep only the sentinel: its share is then 1).
                var prefix = TensorIndex.Slice(firstKey + 1, farEnd + 1);
                var sentinelSlot = TensorIndex.Slice(0, 1);
                var mask = cat([zeros(r1 - r0, 1, dtype: f32), zeros(r1 - r0, farEnd - firstKey, dtype: f32)
                    .masked_fill(Hidden(Distances(offset + r0, offset + r1, firstKey, farEnd), slidingWindow), double.NegativeInfinity)], dim: -1); // (R, 1 + far)
                fused = nn.functional.scaled_dot_product_attention(queries, cat([prefixKeys[.., .., sentinelSlot], prefixKeys[.., .., prefix]], dim: 2),
                    cat([prefixValues[.., .., sentinelSlot], prefixValues[.., .., prefix]], dim: 2), attn_mask: mask);
            }
            outputs.Add(JoinBand(fused, bandOutput).to(v.dtype).MoveToOuterDisposeScope());
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="DualRotary"/> for a whole sequence (no cache, no sliding window), with no far pair computed
    /// explicitly: far pairs are exactly j &lt;= i - w, a causal mask shifted by w, so they take one fused causal call
    /// over far queries w - 1.. and far keys ..T - w, preceded by the sentinel key (query i then sees the sentinel and
    /// keys 0..i - w). Only the near band (keys (i - w, i], one QK product) is explicit, per block of rows; its
    /// log-sum-exp rides into the fused call on the sentinel as in <see cref="DualRotary"/>. The fused call is plain
    /// RoPE's at hd + 1, so the variants cost RoPE's attention plus the band. Rows &lt; w - 1 have no far keys.
    /// </summary>
    private static Tensor DualRotaryShiftedCausal(Tensor nearQ, Tensor nearK, Tensor farQ, Tensor farK, Tensor v, int window)
    {
        using var scope = NewDisposeScope();
        long batch = nearQ.shape[0], heads = nearQ.shape[1], rows = nearQ.shape[2], headDim = nearQ.shape[3];
        double scale = 1.0 / Math.Sqrt(headDim);
        var f32 = ScalarType.Float32;
        // The near band per block of R rows: keys [r0 - w + 1, r1), R x (R + w - 1) scores, pairs outside (i - w, i] hidden.
        long block = Math.Max(DualRotaryMinRows, Math.Min(128, ScoreBudget / Math.Max(1, batch * heads * (128 + window))));
        var bandOutputs = new List<Tensor>();
        var bandLses = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();
            long r1 = Math.Min(rows, r0 + block), bandStart = Math.Max(0, r0 - window + 1);
            var band = TensorIndex.Slice(bandStart, r1);
            var distance = Distances(r0, r1, bandStart, r1);                                                 // (R, band)
            var scores = (nearQ[.., .., TensorIndex.Slice(r0, r1)].matmul(nearK[.., .., band].transpose(-2, -1)) * scale).to(f32)
                .masked_fill((distance < 0) | (distance >= window), double.NegativeInfinity);                // (B, nH, R, band)
            bandOutputs.Add(scores.softmax(-1).matmul(v[.., .., band].to(f32)).MoveToOuterDisposeScope());    // (B, nH, R, hd)
            bandLses.Add(scores.logsumexp(-1, keepdim: true).MoveToOuterDisposeScope());                     // (B, nH, R, 1)
        }
        var bandOutput = cat(bandOutputs, dim: 2);                                                           // (B, nH, T, hd)
        var bandLse = cat(bandLses, dim: 2);                                                                 // (B, nH, T, 1)
        // The far call: T - w + 1 queries (rows w - 1..), the sentinel then far keys 0..T - w - 1, plain causal.
        var farRows = TensorIndex.Slice(window - 1, null);
        var farKeys = TensorIndex.Slice(0, rows - window);
        var fused = nn.functional.scaled_dot_product_attention(SentinelQueries(farQ[.., .., farRows], bandLse[.., .., farRows]),
            SentinelFirst(farK[.., .., farKeys]), SentinelFirst(v[.., .., farKeys]), is_casual: true);      // (B, nH, T - w + 1, hd + 1)
        var joined = JoinBand(fused, bandOutput[.., .., farRows]);                                           // (B, nH, T - w + 1, hd)
        return cat([bandOutput[.., .., TensorIndex.Slice(0, window - 1)], joined], dim: 2).to(v.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// x (B, nH, S, hd) as keys or values of a sentinel's fused call: the sentinel first (zeros, 1 in an extra column),
    /// then x with 0 there -> (B, nH, 1 + S, hd + 1). Always fp32: the sentinel carries a log-sum-exp, which bf16 would
    /// round by up to 4%.
    /// </summary>
    private static Tensor SentinelFirst(Tensor x)
    {
        long batch = x.shape[0], heads = x.shape[1], length = x.shape[2], headDim = x.shape[3];
        var f32 = ScalarType.Float32;
        var sentinel = cat([zeros(batch, heads, 1, headDim, dtype: f32), ones(batch, heads, 1, 1, dtype: f32)], dim: -1);
        return cat([sentinel, cat([x.to(f32), zeros(batch, heads, length, 1, dtype: f32)], dim: -1)], dim: 2);
    }

    /// <summary>
    /// Far queries (B, nH, R, hd) and the band's log-sum-exp (B, nH, R, 1) as the fused call's queries (B, nH, R, hd + 1):
    /// the kernel scales by 1/sqrt(hd + 1), so queries widened by sqrt((hd + 1) / hd) score far keys at 1/sqrt(hd), and
    /// the sentinel's score is the log-sum-exp.
    /// </summary>
    private static Tensor SentinelQueries(Tensor farQ, Tensor bandLse)
    {
        long headDim = farQ.shape[3];
        return cat([farQ.to(ScalarType.Float32) * Math.Sqrt((headDim + 1.0) / headDim), bandLse * Math.Sqrt(headDim + 1.0)], dim: -1);
    }

    /// <summary>
    /// The fused output (B, nH, R, hd + 1), (1 - p) times the far attention in its first hd columns and the band's share
    /// p in the last, joined with the band's own output (B, nH, R, hd): far part + p * band.
    /// </summary>
    private static Tensor JoinBand(Tensor fused, Tensor bandOutput)
    {
        long headDim = bandOutput.shape[3];
        return fused[.., .., .., TensorIndex.Slice(0, headDim)] + fused[.., .., .., TensorIndex.Slice(headDim, null)] * bandOutput;
    }

    /// <summary>ALiBi: softmax(q k^T / sqrt(hd) - slope_h * (i - j)) v; inputs (B, nH, *, hd), slopes (nH, 1, 1).</summary>
    public static Tensor Alibi(Tensor q, Tensor k, Tensor v, int offset, Tensor slopes, int? slidingWindow = null) =>
        FusedWithDistanceBias(q, k, v, offset, slidingWindow, (distance, heads, dtype) => slopes[heads].to(dtype) * distance.to(dtype).neg().unsqueeze(0));

    /// <summary>
    /// KERPLE-log: softmax(q k^T / sqrt(hd) - r1_h log(1 + r2_h (i - j))) v; inputs (B, nH, *, hd), r1 and r2 (nH).
    /// When gradients are on, scores are explicit per block of rows (plain autograd ops), so gradients reach r1 and r2.
    /// </summary>
    public static Tensor Kerple(Tensor q, Tensor k, Tensor v, int offset, Tensor r1, Tensor r2, int? slidingWindow = null)
    {
        // Scoring needs no gradients: the bias then goes to the fused kernel as an additive mask, as ALiBi's does.
        if (!is_grad_enabled())
            return FusedWithDistanceBias(q, k, v, offset, slidingWindow, (distance, heads, dtype) => KerpleLogBias.Bias(r1[heads], r2[heads], distance, dtype));
        using var scope = NewDisposeScope();
        double scale = 1.0 / Math.Sqrt(q.shape[3]);
        var result = ByRowBlocks(q, offset, slidingWindow, (r0, r1End, j0) =>
        {
            var keyRange = TensorIndex.Slice(j0, offset + r1End);
            var distance = Distances(offset + r0, offset + r1End, j0, offset + r1End);            // (R, keys)
            var scores = q[.., .., TensorIndex.Slice(r0, r1End)].matmul(k[.., .., keyRange].transpose(-2, -1)) * scale   // (B, nH, R, keys)
                + KerpleLogBias.Bias(r1, r2, distance, q.dtype).unsqueeze(0);
            return scores.masked_fill(Hidden(distance, slidingWindow), double.NegativeInfinity).softmax(-1).matmul(v[.., .., keyRange]); // (B, nH, R, hd)
        });
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Plain causal attention (rotated inputs): new queries after a cache, or any queries under a sliding window.</summary>
    public static Tensor Causal(Tensor q, Tensor k, Tensor v, int offset, int? slidingWindow = null) =>
        FusedByRowBlocks(q, k, v, offset, slidingWindow, (r0, r1, j0) =>
            zeros(r1 - r0, offset + r1 - j0, dtype: q.dtype).masked_fill(Hidden(Distances(offset + r0, offset + r1, j0, offset + r1), slidingWindow), double.NegativeInfinity));

    /// <summary>i - j for queries [i0, i1) and keys [j0, j1): (i1 - i0, j1 - j0), int64.</summary>
    internal static Tensor Distances(long i0, long i1, long j0, long j1) =>
        arange(i0, i1, dtype: ScalarType.Int64).unsqueeze(1) - arange(j0, j1, dtype: ScalarType.Int64).unsqueeze(0);

    /// <summary>Pairs at distance i - j that a query cannot see: the future (i - j &lt; 0) and, with a window W, i - j &gt;= W.</summary>
    private static Tensor Hidden(Tensor distance, int? slidingWindow) =>
        slidingWindow is int w ? (distance < 0) | (distance >= w) : distance < 0;

    /// <summary>The first key query <paramref name="query"/> sees: query - W + 1 under a window W, else 0.</summary>
    private static long WindowStart(long query, int? slidingWindow) => slidingWindow is int w ? Math.Max(0, query - w + 1) : 0;

    /// <summary>
    /// Fused attention with a per-head additive bias that depends only on the distance i - j (ALiBi, KERPLE when
    /// scoring): <paramref name="bias"/> maps a block's distances (R, keys), a range of heads and a dtype to (h, R, keys);
    /// hidden pairs become -inf. A whole window in bf16 takes the native kernel instead, or without it the bf16 attention blocks.
    /// </summary>
    private static Tensor FusedWithDistanceBias(Tensor q, Tensor k, Tensor v, int offset, int? slidingWindow, Func<Tensor, TensorIndex, ScalarType, Tensor> bias)
    {
        if (offset == 0 && slidingWindow is null && NativeCausalAttention.Serves(q, k, v))
        {
            using var distances = arange(q.shape[2], dtype: ScalarType.Int64).unsqueeze(0);                  // (1, T)
            using var table = bias(distances, TensorIndex.Colon, ScalarType.Float32).squeeze(1);             // (nH, T)
            return NativeCausalAttention.AttendWithBias(q, k, v, table);
        }
        if (offset == 0 && slidingWindow is null && MatmulCausalAttention.Serves(q))
            return MatmulCausalAttention.AttendWithBias(q, k, v, (distance, heads) => bias(distance, heads, ScalarType.Float32));
        return FusedByRowBlocks(q, k, v, offset, slidingWindow, (r0, r1, j0) =>
        {
            var distance = Distances(offset + r0, offset + r1, j0, offset + r1);               // (R, keys)
            return bias(distance, TensorIndex.Colon, q.dtype)                                  // (nH, R, keys)
                .masked_fill(Hidden(distance, slidingWindow), double.NegativeInfinity).unsqueeze(0); // (1, nH, R, keys)
        });
    }

    /// <summary>
    /// Fused attention of each block of query rows [r0, r1) over keys [j0, offset + r1), j0 being the first row's window
    /// start (0 without a window), with the additive mask that <paramref name="mask"/>(r0, r1, j0) returns for the block
    /// ((R, keys) or (1, nH, R, keys)); blocks sized so a mask stays within <see cref="ScoreBudget"/> (under a window at
    /// most 256 rows, so a block's keys stay within W + 255). Inputs (B, nH, *, hd); returns (B, nH, T, hd).
    /// </summary>
    private static Tensor FusedByRowBlocks(Tensor q, Tensor k, Tensor v, int offset, int? slidingWindow, Func<long, long, long, Tensor> mask) =>
        ByRowBlocks(q, offset, slidingWindow, (r0, r1, j0) =>
        {
            var keyRange = TensorIndex.Slice(j0, offset + r1);
            return nn.functional.scaled_dot_product_attention(q[.., .., TensorIndex.Slice(r0, r1)], k[.., .., keyRange], v[.., .., keyRange],
                attn_mask: mask(r0, r1, j0));
        });

    /// <summary>
    /// <paramref name="block"/>(r0, r1, j0) for each block of query rows [r0, r1) over keys [j0, offset + r1), concatenated
    /// along the rows: (B, nH, T, hd). Blocks are sized as <see cref="FusedByRowBlocks"/> says.
    /// </summary>
    private static Tensor ByRowBlocks(Tensor q, int offset, int? slidingWindow, Func<long, long, long, Tensor> block)
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], heads = q.shape[1], rows = q.shape[2], keys = offset + rows;
        long width = slidingWindow is int w ? Math.Min(keys, w + 255L) : keys, most = slidingWindow is null ? rows : Math.Min(rows, 256);
        long rowsPerBlock = Math.Clamp(ScoreBudget / Math.Max(1, batch * heads * width), 16, Math.Max(16, most));
        var outputs = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += rowsPerBlock)
        {
            using var blockScope = NewDisposeScope();
            long r1 = Math.Min(rows, r0 + rowsPerBlock), j0 = WindowStart(offset + r0, slidingWindow);
            outputs.Add(block(r0, r1, j0).MoveToOuterDisposeScope());
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }
}
