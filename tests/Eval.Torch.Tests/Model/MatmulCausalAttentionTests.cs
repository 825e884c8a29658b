using Eval.Torch.Model.Attention;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

public class MatmulCausalAttentionTests
{
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
        var reference = CausalReference.Attention(q, k, v);
        var bf16 = (q.to(ScalarType.BFloat16), k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16));
        Assert.That(MatmulCausalAttention.Serves(bf16.Item1), Is.True);
        long budget = MatmulCausalAttention.ScoresPerBlock;
        MatmulCausalAttention.ScoresPerBlock = headsPerBlock * 2L * MatmulCausalAttention.RowsPerBlock * length;
        Tensor output;
        try { output = MatmulCausalAttention.Attend(bf16.Item1, bf16.Item2, bf16.Item3).to(ScalarType.Float64); }
        finally { MatmulCausalAttention.ScoresPerBlock = budget; }
        // Inputs rounded to bf16 (relative 2^-9), scores and probabilities rounded again: errors of a few 1e-3, far
        // below what one leaked future key gives (first rows attend to a handful of keys: a wrong one moves them by ~0.1+).
        CausalReference.AssertClose(output, reference, worstBelow: 0.03, rmsBelow: 3e-3);
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
