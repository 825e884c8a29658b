using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>Plain causal attention over queries and keys as given, for every kernel that ends in it.</summary>
public static class CausalAttention
{
    /// <summary>q (B, nH, T, hd), k, v (B, nH, S, hd) -> (B, nH, T, hd).</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, AttentionContext c, int? slidingWindow)
    {
        // libtorch's fused kernel never materialises T x S scores. Without a cache the mask is plain causal;
        // a single new token with a cache sees every key. A sliding window that hides keys needs a banded mask.
        if (c.Training is not null) return c.Training.Attend(q, k, v);
        if (slidingWindow is not null) return RowBlockAttention.Causal(q, k, v, c.QueryOffset, slidingWindow);
        if (c.QueryOffset == 0)
            return NativeCausalAttention.Serves(q, k, v) ? NativeCausalAttention.Attend(q, k, v)
                : MatmulCausalAttention.Serves(q) ? MatmulCausalAttention.Attend(q, k, v)
                : nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        if (c.QueryCount == 1) return nn.functional.scaled_dot_product_attention(q, k, v);
        return RowBlockAttention.Causal(q, k, v, c.QueryOffset);
    }
}
