using static TorchSharp.torch;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>Causal attention written out in float64, and the closeness check the bf16 kernels are held to.</summary>
public static class CausalReference
{
    /// <summary>Softmax over keys j &lt;= i of q.k / sqrt(hd) (or the given float64 <paramref name="scores"/>, (.., T, T), before the mask), times v; float64.</summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? scores = null)
    {
        long t = q.shape[2];
        scores ??= q.to(ScalarType.Float64).matmul(k.to(ScalarType.Float64).transpose(-2, -1)) / Math.Sqrt(q.shape[3]);  // (B, nH, T, T)
        var future = ones(t, t, dtype: ScalarType.Bool).triu(1);
        return scores.masked_fill(future, double.NegativeInfinity).softmax(-1).matmul(v.to(ScalarType.Float64));   // (B, nH, T, hd)
    }

    /// <summary>Asserts the largest and the rms difference from the reference, naming both on failure.</summary>
    public static void AssertClose(Tensor output, Tensor reference, double worstBelow, double rmsBelow)
    {
        Assert.That(output.shape, Is.EqualTo(reference.shape));
        var difference = output.to(ScalarType.Float64) - reference;
        double worst = difference.abs().max().item<double>();
        double rms = difference.square().mean().sqrt().item<double>();
        Assert.That(worst, Is.LessThan(worstBelow), $"max {worst:E2}, rms {rms:E2}");
        Assert.That(rms, Is.LessThan(rmsBelow), $"max {worst:E2}, rms {rms:E2}");
    }
}
