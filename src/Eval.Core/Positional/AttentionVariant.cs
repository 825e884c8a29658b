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
