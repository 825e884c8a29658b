using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Attention sinks (StreamingLLM, mit-han-lab/streaming-llm) on RoPE, ALiBi, NoPE and absolute models: the first Start
/// keys and the last Window (<see cref="StreamingAttention"/>). On RoPE, StreamingLLM's pos_shift: once the cache is
/// full the query sits at slot Start + Window for the sink keys.
/// </summary>
[AttentionKernel(typeof(SinkAttention))]
public sealed class AttentionSinksKernel : IAttentionKernel
{
    private readonly AttentionContext context;
    private readonly SinkAttention sinks;
    private readonly RotaryPlan? rotation;
    private readonly Tensor? sinkQueryCos, sinkQuerySin;   // (T, hd): queries at their cache slot
    private readonly Tensor? slopes;                       // (nH, 1, 1) on ALiBi

    public AttentionSinksKernel(AttentionContext context)
    {
        this.context = context;
        sinks = (SinkAttention)context.Strategy.Attention;
        if (context.Shape.Encoding == PositionEncoding.Alibi)
            slopes = AlibiSlopes.AsTensor(context.Shape.Heads);
        if (context.Shape.Encoding != PositionEncoding.Rope) return;
        rotation = RotaryPlan.OfStrategy(context);
        using var slots = arange(context.QueryOffset, context.KeyCount, dtype: ScalarType.Float32).clamp_max(sinks.Start + sinks.Window);
        (sinkQueryCos, sinkQuerySin) = Rotary.Tables(slots, rotation.Inverse, rotation.Factor);
    }

    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple) => rotation is null
        ? StreamingAttention.Attend(q, q, k, v, context.QueryOffset, sinks, slopes)
        : StreamingAttention.Attend(rotation.RotateQueries(q), Rotary.Apply(q, sinkQueryCos!, sinkQuerySin!), rotation.RotateKeys(k), v, context.QueryOffset, sinks, null);

    public void Dispose()
    {
        rotation?.Dispose();
        foreach (var t in new[] { sinkQueryCos, sinkQuerySin, slopes }) t?.Dispose();
    }
}
