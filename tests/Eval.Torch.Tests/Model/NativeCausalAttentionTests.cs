using Eval.Torch.Model.Attention;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

public class NativeCausalAttentionTests
{
    [SetUp]
    public void RequireKernel()
    {
        // CI sets EVAL_REQUIRE_NATIVE_KERNELS=1 on its gcc + avx512_bf16 machine, so a build that silently lost the
        // library fails there instead of skipping; elsewhere a machine without them skips these tests.
        if (NativeCausalAttention.Available) return;
        if (Environment.GetEnvironmentVariable("EVAL_REQUIRE_NATIVE_KERNELS") == "1")
            Assert.Fail($"{NativeCausalAttention.LibraryFile} did not load or this CPU lacks avx512_bf16 (EVAL_REQUIRE_NATIVE_KERNELS=1).");
        // Not Assume: with it, a machine without the library ran the test bodies and failed them (NUnit 4.4, seen with gcc moved away).
        Assert.Ignore($"{NativeCausalAttention.LibraryFile} not built (no gcc) or no avx512_bf16 here.");
    }

    // Lengths cross the 64-row tiles (1,100 = 17 full and a ragged one; 64 exactly; 37 and 1 inside one tile); head
    // dims exercise every tail of the 64-dim product with V (48: three 16-lane groups, 80: 64 + 16, 96: 64 + 32).
    [TestCase(1100, 64)]
    [TestCase(1100, 128)]
    [TestCase(64, 48)]
    [TestCase(37, 80)]
    [TestCase(200, 96)]
    [TestCase(1, 16)]
    public void MatchesFloat64CausalAttention_ToBf16Rounding(int length, int dims)
    {
        using var noGrad = no_grad();
        manual_seed(12);
        var (q, k, v) = (randn(2, 3, length, dims), randn(2, 3, length, dims), randn(2, 3, length, dims));
        var reference = CausalReference.Attention(q, k, v);
        var (qb, kb, vb) = (q.to(ScalarType.BFloat16), k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16));
        Assert.That(NativeCausalAttention.Serves(qb, kb, vb), Is.True);
        var output = NativeCausalAttention.Attend(qb, kb, vb);
        // Inputs rounded to bf16 (relative 2^-9), probabilities and the output rounded again: errors of a few 1e-3, far
        // below what one leaked future key gives (first rows attend to a handful of keys: a wrong one moves them by ~0.1+).
        CausalReference.AssertClose(output, reference, worstBelow: 0.02, rmsBelow: 3e-3);
    }

    /// <summary>
    /// The kernel's two options against the same float64 reference, with inputs that make every boundary visible: a
    /// random bias per distance (an index off by one reads a different value) and near/far scores from unrelated random
    /// queries and keys (where real rotations agree closely at i - j = w, which hides a band off by one). Windows of 1,
    /// 64 (one tile), 67 (a 4-row tile whose largest distance is the window), 100 and more than the length.
    /// </summary>
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(64)]
    [TestCase(67)]
    [TestCase(100)]
    [TestCase(5000)]
    public void BiasOrSecondRotation_MatchFloat64Reference(int window)
    {
        using var noGrad = no_grad();
        manual_seed(14);
        const int length = 300, dims = 32;
        var (q, k, v, nearQ, nearK) = (randn(2, 3, length, dims), randn(2, 3, length, dims), randn(2, 3, length, dims),
            randn(2, 3, length, dims), randn(2, 3, length, dims));
        var distance = arange(length).view(-1, 1) - arange(length).view(1, -1);                       // (T, T): i - j
        Tensor Scores(Tensor a, Tensor b) => a.to(ScalarType.Float64).matmul(b.to(ScalarType.Float64).transpose(-2, -1)) / Math.Sqrt(dims);
        Tensor output, scores;
        var bf16 = ScalarType.BFloat16;
        if (window == 0)
        {
            var bias = randn(3, length, dtype: ScalarType.Float64) * 2;                                  // (nH, T) by distance
            scores = Scores(q, k) + bias.index_select(1, distance.clamp_min(0).flatten()).view(1, 3, length, length);
            output = NativeCausalAttention.AttendWithBias(q.to(bf16), k.to(bf16), v.to(bf16), bias.to(ScalarType.Float32));
        }
        else
        {
            Assert.That(NativeCausalAttention.Serves(q.to(bf16), k.to(bf16), v.to(bf16), nearQ.to(bf16), nearK.to(bf16)), Is.True);
            scores = where(distance < window, Scores(nearQ, nearK), Scores(q, k));
            output = NativeCausalAttention.AttendDualRotary(nearQ.to(bf16), nearK.to(bf16), q.to(bf16), k.to(bf16), v.to(bf16), window);
        }
        CausalReference.AssertClose(output, CausalReference.Attention(q, k, v, scores), worstBelow: 0.02, rmsBelow: 3e-3);
    }

    [Test]
    public void StridedRows_GiveTheSameBitsAsContiguousOnes()
    {
        using var noGrad = no_grad();
        manual_seed(13);
        // (B, T, nH, hd) transposed to (B, nH, T, hd), as attention layers hand over their projections.
        var (q, k, v) = (randn(1, 300, 4, 64, dtype: ScalarType.BFloat16).transpose(1, 2), randn(1, 300, 4, 64, dtype: ScalarType.BFloat16).transpose(1, 2),
            randn(1, 300, 4, 64, dtype: ScalarType.BFloat16).transpose(1, 2));
        Assert.That(q.is_contiguous(), Is.False);
        var strided = NativeCausalAttention.Attend(q, k, v);
        var contiguous = NativeCausalAttention.Attend(q.contiguous(), k.contiguous(), v.contiguous());
        Assert.That(strided.eq(contiguous).all().item<bool>(), Is.True);
    }

    [Test]
    public void Serves_Bf16WithoutGradientsAndSupportedShapesOnly()
    {
        var x = randn(1, 2, 8, 64);
        Assert.That(NativeCausalAttention.Serves(x, x, x), Is.False, "fp32 keeps libtorch's fused kernel");
        var b = x.to(ScalarType.BFloat16);
        Assert.That(NativeCausalAttention.Serves(b, b, b), Is.False, "with gradients (training) the autograd kernels stay");
        using var noGrad = no_grad();
        Assert.That(NativeCausalAttention.Serves(b, b, b), Is.True);
        var odd = randn(1, 2, 8, 40, dtype: ScalarType.BFloat16);
        Assert.That(NativeCausalAttention.Serves(odd, odd, odd), Is.False, "head dims must be a multiple of 16");
        var fewerHeads = randn(1, 1, 8, 64, dtype: ScalarType.BFloat16);
        Assert.That(NativeCausalAttention.Serves(b, fewerHeads, fewerHeads), Is.False, "keys must match the queries' shape");
        var shorter = randn(1, 2, 5, 64, dtype: ScalarType.BFloat16);
        Assert.Throws<ArgumentException>(() => NativeCausalAttention.Attend(b, shorter, shorter), "called directly, it refuses what it does not serve");
        Assert.Throws<ArgumentException>(() => NativeCausalAttention.AttendDualRotary(b, shorter, b, b, b, 4));
    }
}
