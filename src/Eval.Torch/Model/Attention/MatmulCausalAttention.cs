using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Causal attention from two plain matmuls per block of query rows, for bf16 on the CPU; mirrors transformers' eager
/// attention in bf16 (scores from a bf16 matmul, softmax computed in fp32 and rounded to bf16, then times V).
/// Why not libtorch's fused kernel: on a CPU without AMX its bf16 path multiplies through MKL's bf16 x bf16 -> fp32
/// GEMM, which on the AMD EPYC this was measured on runs at the fp32 rate (perf: MKL's sgemm kernel 29% of a bf16
/// window); at::matmul goes through oneDNN's bf16 kernels instead. 12 heads x 4,096 tokens x 64 dims: fused 218 ms,
/// blocks of 512 rows 150 ms (2026-12-07, 2 threads, huge pages on), 4-head blocks of 256 rows 112-115 ms (below). The price is the scores' rounding to bf16 (as in transformers):
/// against a float64 reference the output's rms error was 2.5e-4 here, 1.4e-4 fused.
/// </summary>
public static class MatmulCausalAttention
{
    /// <summary>
    /// Query rows per block: a block's scores are (B, heads of the block, R, keys so far). Measured at 12 heads x 4,096
    /// tokens x 64 dims (bf16, 2 threads, 7 repeats, three rounds): all heads in 512-row blocks 136-160 ms, 4 heads x
    /// 512 rows 125-129 ms, 4 heads x 256 rows 112-115 ms, 2 x 256 113-116, 1 x 256 130-134, 2 x 128 133-136.
    /// </summary>
    public const int RowsPerBlock = 256;

    /// <summary>
    /// Score elements a block may hold, which sets the heads per block: 4M bf16 scores (8 MB) keep a block's scores
    /// cache-resident between the QK product, the softmax and the product with V, where all heads at once (50 MB at
    /// 4,096) streamed them through memory three times; the softmax alone, not the two products, was the largest part.
    /// Settable so tests can split a few heads into groups.
    /// </summary>
    public static long ScoresPerBlock { get; set; } = 1L << 22;

    /// <summary>Whether this path serves a pass: bf16 or fp16 on the CPU, without gradients.</summary>
    public static bool Serves(Tensor q) =>
        q.device_type == DeviceType.CPU && (q.dtype is ScalarType.BFloat16 or ScalarType.Float16) && !is_grad_enabled();

    /// <summary>q, k, v (B, nH, T, hd), query i at position i, key j visible iff j &lt;= i -> (B, nH, T, hd).</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v) => Attend(q, k, v, overrideScores: null);

    /// <summary>
    /// ReRoPE, Leaky ReRoPE, Self-Extend in bf16, as bojone's rerope_patch computes them in the model's dtype: scores
    /// from the far rotation, replaced by the near rotation's where i - j &lt; w (a where over two score matrices), then
    /// the causal softmax. Only the band's near product, R x (R + w - 1) per block, is extra to plain attention.
    /// Inputs (B, nH, T, hd), no cache -> (B, nH, T, hd).
    /// </summary>
    public static Tensor AttendDualRotary(Tensor nearQ, Tensor nearK, Tensor farQ, Tensor farK, Tensor v, int window)
    {
        using var scope = NewDisposeScope();
        var nearScaled = nearQ * (1.0 / Math.Sqrt(nearQ.shape[3]));            // (B, nH, T, hd)
        var nearKeysT = nearK.transpose(-2, -1).contiguous();                   // (B, nH, hd, T)
        return Attend(farQ, farK, v, (scores, h0, h1, r0, r1) =>
        {
            var heads = TensorIndex.Slice(h0, h1);
            long bandStart = Math.Max(0, r0 - window + 1);
            var band = TensorIndex.Slice(bandStart, r1);
            var near = nearScaled[.., heads, TensorIndex.Slice(r0, r1)].matmul(nearKeysT[.., heads, .., band]);  // (B, h, R, band)
            var distance = RowBlockAttention.Distances(r0, r1, bandStart, r1);      // (R, band)
            var farScores = scores[.., .., .., band];
            farScores.copy_(where(distance < window, near, farScores));         // future pairs are masked after this
        }).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ALiBi, KERPLE in bf16, as transformers' Bloom adds its ALiBi tensor to the scores in the model's dtype: scores plus
    /// a per-head bias of the distance i - j (computed in fp32, rounded to bf16), then the causal softmax.
    /// <paramref name="bias"/> maps distances (R, X), int64, and a range of heads to fp32 (h, R, X). The bias depends on
    /// i - j only, so one (h, R, T + R - 1) matrix per group of heads serves every block of rows as a slice: M[a, x] =
    /// bias(a + T - 1 - x), and rows r0 + a, keys j read x = j + T - 1 - r0. Built per block instead, or added as fp32
    /// to the bf16 scores, it took several times the attention itself (a mixed-dtype add runs unvectorized).
    /// Inputs (B, nH, T, hd), no cache -> (B, nH, T, hd).
    /// </summary>
    public static Tensor AttendWithBias(Tensor q, Tensor k, Tensor v, Func<Tensor, TensorIndex, Tensor> bias)
    {
        using var scope = NewDisposeScope();
        long rows = q.shape[2], width = rows + RowsPerBlock - 1;
        var distances = (arange(RowsPerBlock, dtype: ScalarType.Int64).unsqueeze(1) + (rows - 1)
            - arange(width, dtype: ScalarType.Int64).unsqueeze(0)).clamp_min(0);                // (R, T + R - 1); future pairs read 0, masked after
        Tensor? matrix = null;                                                                   // (h, R, T + R - 1) bf16, for heads [h0, h1)
        long matrixHeads = -1;
        try
        {
            return Attend(q, k, v, (scores, h0, h1, r0, r1) =>
            {
                if (matrixHeads != h0)
                {
                    matrix?.Dispose();
                    matrix = bias(distances, TensorIndex.Slice(h0, h1)).to(q.dtype).DetachFromDisposeScope();  // kept across the group's blocks
                    matrixHeads = h0;
                }
                long from = rows - 1 - r0;
                scores.add_(matrix![.., TensorIndex.Slice(0, r1 - r0), TensorIndex.Slice(from, from + r1)]); // (B, h, R, r1) + (h, R, r1)
            }).MoveToOuterDisposeScope();
        }
        finally { matrix?.Dispose(); }
    }

    /// <param name="overrideScores">Called with each block's scores (B, h, R, r1) before the causal mask, its heads [h0, h1) and rows [r0, r1).</param>
    private static Tensor Attend(Tensor q, Tensor k, Tensor v, Action<Tensor, long, long, long, long>? overrideScores)
    {
        using var scope = NewDisposeScope();
        long batch = q.shape[0], heads = q.shape[1], rows = q.shape[2];
        long headsPerBlock = Math.Clamp(ScoresPerBlock / (batch * RowsPerBlock * rows), 1, heads);
        var scaled = q * (1.0 / Math.Sqrt(q.shape[3]));                        // (B, nH, T, hd): the scale folded into q
        var keysT = k.transpose(-2, -1).contiguous();                           // (B, nH, hd, T): a plain GEMM operand, 4x faster than the view
        var future = ones(RowsPerBlock, RowsPerBlock, dtype: ScalarType.Bool).triu(1); // (R, R): j > i within the diagonal block
        var output = empty_like(q);                                             // (B, nH, T, hd)
        for (long h0 = 0; h0 < heads; h0 += headsPerBlock)
        for (long r0 = 0; r0 < rows; r0 += RowsPerBlock)
        {
            using var blockScope = NewDisposeScope();
            long r1 = Math.Min(rows, r0 + RowsPerBlock), n = r1 - r0;
            long h1 = Math.Min(heads, h0 + headsPerBlock);
            var headRange = TensorIndex.Slice(h0, h1);
            var rowRange = TensorIndex.Slice(r0, r1);
            var keys = TensorIndex.Slice(0, r1);
            var scores = scaled[.., headRange, rowRange].matmul(keysT[.., headRange, .., keys]);       // (B, h, R, r1)
            overrideScores?.Invoke(scores, h0, h1, r0, r1);
            scores[.., .., .., rowRange].masked_fill_(future[TensorIndex.Slice(0, n), TensorIndex.Slice(0, n)], double.NegativeInfinity);
            // libtorch's CPU softmax computes a bf16 input in fp32 and rounds the result: transformers' softmax(dtype=float32).to(bf16).
            output[.., headRange, rowRange] = scores.softmax(-1).matmul(v[.., headRange, keys]);        // (B, h, R, hd)
        }
        return output.MoveToOuterDisposeScope();
    }
}
