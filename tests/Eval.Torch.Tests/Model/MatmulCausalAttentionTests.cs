using Eval.Torch.Model.Attention;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

public class MatmulCausalAttentionTests
{
    /// <summary>Causal attention written out in float64: softmax over keys j &lt;= i of q.k / sqrt(hd), times v.</summary>
    static Tensor Reference(Tensor q, Tensor k, Tensor v)
    {
        var (q64, k64, v64) = (q.to(ScalarType.Float64), k.to(ScalarType.Float64), v.to(ScalarType.Float64));
        long t = q.shape[2];
        var scores = q64.matmul(k64.transpose(-2, -1)) / Math.Sqrt(q.shape[3]);                       // (B, nH, T, T)
        var future = ones(t, t, dtype: ScalarType.Bool).triu(1);
        return scores.masked_fill(future, double.NegativeInfinity).softmax(-1).matmul(v64);          // (B, nH, T, hd)
    }

    // 1,100 rows: four full blocks of 256 and a short fifth, so block edges and the ragged end are crossed; with a
    // smaller score budget the 3 heads go in groups of 2 and 1, or one at a time.
    [TestCase(1100, 3)]
    [TestCase(1100, 2)]
    [TestCase(1100, 1)]
    [TestCase(37, 3)]
    public void Bf16_MatchesFloat64CausalAttention_ToBf16Rounding(int length, int headsPerBlock)
    {
        using var noGrad = no_grad();
        manual_seed(11);
        var (q, k, v) = (randn(2, 3, length, 32), randn(2, 3, length, 32), randn(2, 3, length, 32));
        var reference = Reference(q, k, v);
        var bf16 = (q.to(ScalarType.BFloat16), k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16));
        Assert.That(MatmulCausalAttention.Serves(bf16.Item1), Is.True);
        long budget = MatmulCausalAttention.ScoresPerBlock;
        MatmulCausalAttention.ScoresPerBlock = headsPerBlock * 2L * MatmulCausalAttention.RowsPerBlock * length;
        Tensor output;
        try { output = MatmulCausalAttention.Attend(bf16.Item1, bf16.Item2, bf16.Item3).to(ScalarType.Float64); }
        finally { MatmulCausalAttention.ScoresPerBlock = budget; }
        Assert.That(output.shape, Is.EqualTo(reference.shape));
        // Inputs rounded to bf16 (relative 2^-9), scores and probabilities rounded again: errors of a few 1e-3, far
        // below what one leaked future key gives (first rows attend to a handful of keys: a wrong one moves them by ~0.1+).
        double worst = (output - reference).abs().max().item<double>();
        double rms = (output - reference).square().mean().sqrt().item<double>();
        Assert.That(worst, Is.LessThan(0.03), $"max {worst:E2}, rms {rms:E2}");
        Assert.That(rms, Is.LessThan(3e-3), $"max {worst:E2}, rms {rms:E2}");
    }

    [Test]
    public void Serves_Bf16WithoutGradientsOnly()
    {
        var x = randn(1, 1, 4, 8);
        Assert.That(MatmulCausalAttention.Serves(x), Is.False, "fp32 keeps libtorch's fused kernel");
        using (no_grad()) Assert.That(MatmulCausalAttention.Serves(x.to(ScalarType.BFloat16)), Is.True);
        Assert.That(MatmulCausalAttention.Serves(x.to(ScalarType.BFloat16)), Is.False, "with gradients (training) the fused kernel stays");
    }
}
