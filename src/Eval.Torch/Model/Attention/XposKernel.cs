using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// xPos (Sun et al. 2022, torchscale's xpos_relative_position.py): RoPE at the model's theta with the query tables (T, hd)
/// times zeta^((n - c) / gamma) and the key tables (S, hd) times zeta^(-(m - c) / gamma) (<see cref="XposScale"/>), then causal attention.
/// </summary>
[AttentionKernel(PositionEncoding.Xpos)]
public sealed class XposKernel : IAttentionKernel
{
    private readonly AttentionContext context;
    private readonly Tensor queryCos, querySin, keyCos, keySin;

    public XposKernel(AttentionContext context)
    {
        this.context = context;
        int headDim = context.Shape.Geometry.HeadDim;
        if (context.KeyCount > XposScale.MaxKeys(headDim))
            throw new NotApplicableException($"xPos attends over at most {XposScale.MaxKeys(headDim)} positions at head_dim {headDim} in float32 " +
                $"(its scale zeta^(-S/2/{XposScale.ScaleBase}) would pass e^{XposScale.MaxLogFactor}); {context.KeyCount} asked.");
        using var scope = NewDisposeScope();
        using var trained = RotaryPlan.AsTrained(context);
        var up = XposScale.Factors(context.KeyCount, headDim, +1)[TensorIndex.Slice(context.QueryOffset, null)];   // (T, hd)
        var down = XposScale.Factors(context.KeyCount, headDim, -1);                                                // (S, hd)
        queryCos = (trained.QueryCos * up).MoveToOuterDisposeScope();
        querySin = (trained.QuerySin * up).MoveToOuterDisposeScope();
        keyCos = (trained.KeyCos * down).MoveToOuterDisposeScope();
        keySin = (trained.KeySin * down).MoveToOuterDisposeScope();
    }

    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple) =>
        CausalAttention.Attend(Rotary.Apply(q, queryCos, querySin), Rotary.Apply(k, keyCos, keySin), v, context, slidingWindow);

    public void Dispose()
    {
        foreach (var t in new[] { queryCos, querySin, keyCos, keySin }) t.Dispose();
    }
}
