namespace Eval.Core.Positional;

/// <summary>
/// Mirrors mit-han-lab/streaming-llm (Xiao et al., 2023, "Efficient Streaming Language Models with Attention Sinks"):
/// each token attends to the first <c>start</c> tokens, the <c>window</c> tokens before it and itself, with positions
/// re-assigned within that cache (slot order, as their pos_shift patch does). <c>start=0</c> is window attention alone.
/// RoPE models keep their trained frequencies.
/// </summary>
public sealed class AttentionSinks(StrategySpec spec, SinkAttention attention) : IPositionalStrategy
{
    public static readonly StrategyDescriptor Descriptor = new("sinks", Create, "#6b6ecf");
    public static IPositionalStrategy Create(StrategySpec spec)
    {
        var p = new StrategyParameters(spec, "start", "window");
        if (!p.Has("window")) throw new StrategyException($"Strategy \"{spec.Name}\" needs parameter \"window\": the recent tokens kept (e.g. sinks:start=4,window=252).");
        return new AttentionSinks(spec, new SinkAttention(p.Integer("start", 4, 0), p.Integer("window", 0, 1)));
    }

    public StrategySpec Spec { get; } = spec;
    public PositionalKind Kind => PositionalKind.CacheAttention;
    public AttentionVariant Attention => attention;
    public bool FollowsRunningLength => false;

    public RopeFrequencies Frequencies(RopeGeometry geometry, int sequenceLength) =>
        new(RopeStrategy.InverseFrequencies(geometry.HeadDim, geometry.Theta), 1.0);

    public override string ToString() => Spec.ToString();
}

/// <summary>
/// Attention sinks (StreamingLLM): query i sees keys j &lt; <paramref name="Start"/> and i - <paramref name="Window"/> &lt;= j &lt;= i.
/// Positions are cache slots: once the cache is full (i &gt;= Start + Window) the query sits at slot Start + Window, recent
/// keys keep their exact distance i - j and sink s reads distance Start + Window - s; before that, all positions are true.
/// </summary>
public sealed record SinkAttention(int Start, int Window) : AttentionVariant
{
    /// <summary>The query's position as seen by the sink keys: min(i, Start + Window).</summary>
    public long SinkQueryPosition(long query) => Math.Min(query, (long)Start + Window);
}
