using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Leaky ReRoPE (bojone/rerope): beyond the window relative position r reads w + (r - w) / k, obtained by rotating
/// queries at (i + w(k - 1)) / k and keys at j / k.
/// </summary>
[AttentionKernel(typeof(LeakyReRopeAttention))]
public sealed class LeakyReRopeKernel(AttentionContext c) : DualRotaryKernel(c, Variant(c).Window, Variant(c).LogN, () =>
{
    var leaky = Variant(c);
    using var queries = arange(c.QueryOffset, c.KeyCount, dtype: ScalarType.Float64);
    using var keys = arange(0, c.KeyCount, dtype: ScalarType.Float64);
    return ((queries + leaky.Window * (leaky.K - 1)) / leaky.K, keys / leaky.K);
})
{
    private static LeakyReRopeAttention Variant(AttentionContext c) => (LeakyReRopeAttention)c.Strategy.Attention;
}
