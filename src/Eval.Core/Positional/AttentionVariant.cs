namespace Eval.Core.Positional;

/// <summary>How attention uses positions, beyond RoPE's frequencies. Plain causal attention is <see cref="Standard"/>.</summary>
public abstract record AttentionVariant
{
    /// <summary>Plain causal attention over RoPE-rotated queries and keys.</summary>
    public static readonly AttentionVariant Standard = new StandardAttention();
}

/// <summary>Plain causal attention.</summary>
public sealed record StandardAttention : AttentionVariant;
