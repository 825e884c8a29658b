using Eval.Core.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Attention sinks (StreamingLLM) for a whole sequence at once, equal to their token-by-token loop over an evicting
/// cache: query i sees sinks j &lt; start and recent keys i - window &lt;= j &lt;= i. Sink scores use the query as placed
/// at its cache slot (<see cref="SinkAttention.SinkQueryPosition"/>), recent ones its true position, which in the
/// cache's slot numbering keeps their exact distance. One block of query rows at a time over only the keys it can
/// see, so time and memory are linear in the sequence length.
/// </summary>
public static class StreamingAttention
{
    /// <summary>
    /// nearQ (B, nH, T, hd): queries placed for recent keys; sinkQ (B, nH, T, hd): placed for sink keys (the same tensor
    /// for ALiBi and NoPE); k, v (B, nH, S, hd) at true positions; slopes (nH, 1, 1) for ALiBi or null. Returns (B, nH, T, hd).
    /// </summary>
    public static Tensor Attend(Tensor nearQ, Tensor sinkQ, Tensor k, Tensor v, int offset, SinkAttention sinks, Tensor? slopes)
    {
        using var scope = NewDisposeScope();
        long batch = nearQ.shape[0], heads = nearQ.shape[1], rows = nearQ.shape[2], headDim = nearQ.shape[3];
        double scale = 1.0 / Math.Sqrt(headDim);
        long block = Math.Clamp(RowBlockAttention.ScoreBudget / Math.Max(1, batch * heads * (sinks.Start + sinks.Window + 256L)), 1, 256);
        var f32 = ScalarType.Float32;
        var outputs = new List<Tensor>();
        for (long r0 = 0; r0 < rows; r0 += block)
        {
            using var blockScope = NewDisposeScope();
            long r1 = Math.Min(rows, r0 + block), i0 = offset + r0, i1 = offset + r1;
            long sinkEnd = Math.Min(sinks.Start, i1);                                     // sink keys [0, sinkEnd)
            long recentStart = Math.Min(Math.Max(sinks.Start, i0 - sinks.Window), i1);   // recent keys [recentStart, i1)
            var rowRange = TensorIndex.Slice(r0, r1);
            var queries = arange(i0, i1, dtype: ScalarType.Int64).unsqueeze(1);             // (R, 1)
            var sinkKeys = arange(0, sinkEnd, dtype: ScalarType.Int64).unsqueeze(0);        // (1, nS)
            var recentKeys = arange(recentStart, i1, dtype: ScalarType.Int64).unsqueeze(0); // (1, nR)
            var sinkDistance = queries.clamp_max((long)sinks.Start + sinks.Window) - sinkKeys;              // (R, nS) in cache slots
            var recentDistance = queries - recentKeys;                                                      // (R, nR)
            var sinkScores = sinkQ[.., .., rowRange].to(f32).matmul(k[.., .., TensorIndex.Slice(0, sinkEnd)].to(f32).transpose(-2, -1)) * scale;            // (B, nH, R, nS)
            var recentScores = nearQ[.., .., rowRange].to(f32).matmul(k[.., .., TensorIndex.Slice(recentStart, i1)].to(f32).transpose(-2, -1)) * scale; // (B, nH, R, nR)
            if (slopes is not null)
            {
                sinkScores = sinkScores - slopes.to(f32) * sinkDistance.to(f32);
                recentScores = recentScores - slopes.to(f32) * recentDistance.to(f32);
            }
            sinkScores = sinkScores.masked_fill(queries < sinkKeys, double.NegativeInfinity);   // a sink after the query (i < start)
            recentScores = recentScores.masked_fill(recentDistance < 0 | recentDistance > sinks.Window, double.NegativeInfinity);
            var weights = cat([sinkScores, recentScores], dim: -1).softmax(-1);                           // (B, nH, R, nS + nR)
            var values = cat([v[.., .., TensorIndex.Slice(0, sinkEnd)], v[.., .., TensorIndex.Slice(recentStart, i1)]], dim: 2).to(f32);
            outputs.Add(weights.matmul(values).to(v.dtype).MoveToOuterDisposeScope());                      // (B, nH, R, hd)
        }
        return cat(outputs, dim: 2).MoveToOuterDisposeScope();
    }
}
