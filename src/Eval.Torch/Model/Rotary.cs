using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Rotary position embedding in the rotate-half layout that HF Llama checkpoints use (q/k projections are
/// stored permuted for it). cos and sin are always computed in fp32, also for bf16 models, because long
/// positions lose their low bits in bf16.
/// </summary>
public static class Rotary
{
    /// <summary>
    /// cos and sin tables for arbitrary (possibly fractional) positions: positions (P) x invFreq (hd/2)
    /// -> (P, hd), each multiplied by the strategy's attention factor (transformers' attention_scaling).
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, Tensor inverseFrequencies, double attentionFactor)
    {
        using var scope = NewDisposeScope();
        var angles = outer(positions.to(ScalarType.Float32), inverseFrequencies.to(ScalarType.Float32)); // (P, hd/2)
        var emb = cat([angles, angles], dim: -1);                                                        // (P, hd)
        var cos = emb.cos();
        var sin = emb.sin();
        if (attentionFactor != 1.0)
        {
            cos = cos.mul(attentionFactor);
            sin = sin.mul(attentionFactor);
        }
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// x (B, nH, P, hd) rotated by tables (P, rd): x*cos + rotate_half(x)*sin, in x's dtype. Tables narrower than the
    /// head (rd &lt; hd: GPT-NeoX's partial rotary, rotary_ndims) rotate the first rd dimensions and pass the rest
    /// through unchanged, as transformers' GPTNeoXAttention does with query_rot / query_pass.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long rotary = cos.shape[^1];
        if (rotary < x.shape[^1])
        {
            var turned = Apply(x[TensorIndex.Ellipsis, TensorIndex.Slice(0, rotary)], cos, sin);               // (B, nH, P, rd)
            return cat([turned, x[TensorIndex.Ellipsis, TensorIndex.Slice(rotary, null)]], dim: -1).MoveToOuterDisposeScope(); // (B, nH, P, hd)
        }
        long half = x.shape[^1] / 2;
        var first = x[TensorIndex.Ellipsis, TensorIndex.Slice(0, half)];
        var second = x[TensorIndex.Ellipsis, TensorIndex.Slice(half, null)];
        var rotated = cat([second.neg(), first], dim: -1);                     // rotate_half(x)
        var c = cos.to(x.dtype);
        var s = sin.to(x.dtype);
        return (x * c + rotated * s).MoveToOuterDisposeScope();
    }
}
