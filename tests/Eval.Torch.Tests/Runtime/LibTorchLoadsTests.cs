using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Runtime;

/// <summary>Proves the native libtorch actually loads and computes (the build's GLIBCXX patch works).</summary>
public class LibTorchLoadsTests
{
    [Test]
    public void Matmul_SmallMatrices_MatchesHandComputedProduct()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        using var c = a.matmul(b);
        Assert.That(c.data<float>().ToArray(), Is.EqualTo(new float[] { 19, 22, 43, 50 }));
    }

    [Test]
    public void ScaledDotProductAttention_Causal_MatchesExplicitSoftmax()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var q = randn(1, 2, 5, 8); // (B, nH, T, hd)
        var k = randn(1, 2, 5, 8);
        var v = randn(1, 2, 5, 8);
        var fused = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(8); // (B, nH, T, T)
        var mask = ones(5, 5, dtype: ScalarType.Bool).triu(1);
        var reference = scores.masked_fill(mask, double.NegativeInfinity).softmax(-1).matmul(v);
        Assert.That(fused.allclose(reference, rtol: 1e-5, atol: 1e-5), Is.True);
    }
}
