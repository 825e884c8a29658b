using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>KERPLE-log (Chi et al. 2022): causal attention with -r1 log(1 + r2 (i - j)), each layer bringing its learned r1, r2.</summary>
[AttentionKernel(PositionEncoding.Kerple)]
public sealed class KerpleKernel(AttentionContext context) : IAttentionKernel
{
    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple) => kerple is (Tensor r1, Tensor r2)
        ? RowBlockAttention.Kerple(q, k, v, context.QueryOffset, r1, r2, slidingWindow)
        : throw new ArgumentException($"A KERPLE model's layer {layer} must pass its kerple_r1 and kerple_r2 to attention.");

    public void Dispose() { }
}
