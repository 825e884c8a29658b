using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// The shape ReRoPE, leaky ReRoPE and Self-Extend share: exact RoPE positions for keys within the window, a second
/// ("far") rotation of queries and keys beyond it (<see cref="RowBlockAttention.DualRotary"/>), optionally log-n
/// scaled queries. Each variant's kernel says where its far queries and keys sit.
/// </summary>
public abstract class DualRotaryKernel : IAttentionKernel
{
    private readonly AttentionContext context;
    private readonly RotaryPlan near;
    private readonly int window;
    private readonly Tensor farQueryCos, farQuerySin, farKeyCos, farKeySin;   // (T, hd), (S, hd)
    private readonly Tensor? queryScale;                                     // (T, 1): log-n

    /// <param name="farPositions">From the strategy's inverse frequencies: the far queries' positions (T) and keys' (S).</param>
    protected DualRotaryKernel(AttentionContext context, int window, bool logN, Func<(Tensor Queries, Tensor Keys)> farPositions)
    {
        this.context = context;
        this.window = window;
        near = RotaryPlan.OfStrategy(context);
        var (queries, keys) = farPositions();
        using (queries)
        using (keys)
        {
            (farQueryCos, farQuerySin) = Rotary.Tables(queries, near.Inverse, near.Factor);
            (farKeyCos, farKeySin) = Rotary.Tables(keys, near.Inverse, near.Factor);
        }
        if (logN) queryScale = RotaryPlan.LogNScale(context.QueryOffset, context.KeyCount, context.Shape.TrainedLength);
    }

    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple)
    {
        var qs = queryScale is null ? q : q * queryScale.to(q.dtype);
        return RowBlockAttention.DualRotary(near.RotateQueries(qs), near.RotateKeys(k),
            Rotary.Apply(qs, farQueryCos, farQuerySin), Rotary.Apply(k, farKeyCos, farKeySin), v, context.QueryOffset, window, slidingWindow);
    }

    public void Dispose()
    {
        near.Dispose();
        foreach (var t in new[] { farQueryCos, farQuerySin, farKeyCos, farKeySin, queryScale }) t?.Dispose();
    }
}
