using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// ReRoPE (bojone/rerope): inside the window exact relative positions; beyond it every query sits at position w and
/// keys stay unrotated, so their relative position reads as w.
/// </summary>
[AttentionKernel(typeof(ReRopeAttention))]
public sealed class ReRopeKernel(AttentionContext c) : DualRotaryKernel(c, Variant(c).Window, Variant(c).LogN,
    () => (full(c.QueryCount, (float)Variant(c).Window), zeros(c.KeyCount)))
{
    private static ReRopeAttention Variant(AttentionContext c) => (ReRopeAttention)c.Strategy.Attention;
}
