namespace Eval.Core.Positional;

/// <summary>How attention uses positions, beyond RoPE's frequencies. Plain causal attention is <see cref="Standard"/>.</summary>
public abstract record AttentionVariant
{
    /// <summary>Plain causal attention over RoPE-rotated queries and keys.</summary>
    public static readonly AttentionVariant Standard = new StandardAttention();
}

/// <summary>Plain causal attention.</summary>
public sealed record StandardAttention : AttentionVariant;

/// <summary>
/// ReRoPE (bojone/rerope): relative positions beyond <paramref name="Window"/> are clamped to the window.
/// With <paramref name="LogN"/>, queries are scaled by max(1, log(position + 1) / log(L0)), L0 being the
/// model's original context (bojone's <c>training_length</c>).
/// </summary>
public sealed record ReRopeAttention(int Window, bool LogN) : AttentionVariant;

/// <summary>
/// Leaky ReRoPE (bojone/rerope): relative position r beyond the window becomes w + (r - w) / K.
/// <paramref name="LogN"/> scales queries as in <see cref="ReRopeAttention"/> (the reference patch applies it too).
/// </summary>
public sealed record LeakyReRopeAttention(int Window, double K, bool LogN) : AttentionVariant;

/// <summary>
/// Self-Extend (Jin et al., 2024, "LLM Maybe LongLM"): neighbours within <paramref name="Window"/> keep exact
/// relative positions; beyond it positions are floor-divided by <paramref name="GroupSize"/> and shifted by
/// Window - Window / GroupSize (real division, as LongLM's eager patch) so the two regions meet.
/// </summary>
public sealed record SelfExtendAttention(int GroupSize, int Window) : AttentionVariant;

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
