using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Self-Extend (LongLM): neighbours within W keep exact positions; beyond, keys sit at j // G and queries at
/// i // G + W - W / G, so grouped and neighbour positions meet at the window edge.
/// </summary>
[AttentionKernel(typeof(SelfExtendAttention))]
public sealed class SelfExtendKernel(AttentionContext c) : DualRotaryKernel(c, Variant(c).Window, logN: false, () =>
{
    var (g, w) = (Variant(c).GroupSize, Variant(c).Window);
    using var queries = arange(c.QueryOffset, c.KeyCount, dtype: ScalarType.Int64);
    using var keys = arange(0, c.KeyCount, dtype: ScalarType.Int64);
    return (queries.div(g, rounding_mode: RoundingMode.floor) + (w - (double)w / g), keys.div(g, rounding_mode: RoundingMode.floor));
})
{
    private static SelfExtendAttention Variant(AttentionContext c) => (SelfExtendAttention)c.Strategy.Attention;
}
