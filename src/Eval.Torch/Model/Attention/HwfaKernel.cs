using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Su's hybrid window-full attention (kexue.fm, 2023): windowed layers rotate as trained (RoPE at the model's theta);
/// the last layer attends to every key without positions, its queries scaled by max(1, log(i + 1) / log L0).
/// </summary>
[AttentionKernel(PositionEncoding.Hwfa)]
public sealed class HwfaKernel(AttentionContext context) : IAttentionKernel
{
    private readonly RotaryPlan trained = RotaryPlan.AsTrained(context);
    private readonly Tensor fullLayerScale = RotaryPlan.LogNScale(context.QueryOffset, context.KeyCount, context.Shape.TrainedLength);   // (T, 1)

    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple) =>
        context.Shape.IsFullNoPELayer(layer)
            ? CausalAttention.Attend(q * fullLayerScale.to(q.dtype), k, v, context, null)
            : CausalAttention.Attend(trained.RotateQueries(q), trained.RotateKeys(k), v, context, slidingWindow);

    public void Dispose()
    {
        trained.Dispose();
        fullLayerScale.Dispose();
    }
}
