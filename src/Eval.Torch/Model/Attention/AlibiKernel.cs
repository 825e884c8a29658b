using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>ALiBi (Press et al. 2022; BLOOM): causal attention with -slope_h (i - j) added to every head's scores.</summary>
[AttentionKernel(PositionEncoding.Alibi)]
public sealed class AlibiKernel(AttentionContext context) : IAttentionKernel
{
    private readonly Tensor slopes = AlibiSlopes.AsTensor(context.Shape.Heads);   // (nH, 1, 1)

    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple) =>
        RowBlockAttention.Alibi(q, k, v, context.QueryOffset, slopes, slidingWindow);

    public void Dispose() => slopes.Dispose();
}
