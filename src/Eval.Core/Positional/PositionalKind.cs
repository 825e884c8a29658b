namespace Eval.Core.Positional;

/// <summary>Where in the model a strategy acts.</summary>
public enum PositionalKind
{
    /// <summary>Changes RoPE's frequencies and attention factor only (default, linear, ntk, yarn, ...).</summary>
    Rope,
    /// <summary>RoPE plus a different attention computation (rerope, leaky-rerope, self-extend).</summary>
    AttentionRope,
    /// <summary>Model-level: linear attention biases instead of RoPE (ALiBi).</summary>
    Alibi,
    /// <summary>Model-level: KERPLE's learned logarithmic attention biases instead of RoPE (Chi et al., 2022).</summary>
    Kerple,
    /// <summary>Model-level: xPos, RoPE with reciprocal per-pair query and key scales (Sun et al., 2022); runs only as trained.</summary>
    Xpos,
    /// <summary>Model-level: Su's hybrid window-full attention (windowed RoPE layers, a last full NoPE layer with log-n); runs only as trained.</summary>
    Hwfa,
    /// <summary>Model-level: no positional encoding at all (NoPE).</summary>
    NoPE,
    /// <summary>Model-level: fixed sin/cos vectors added to the token embeddings (Vaswani et al., 2017).</summary>
    Sinusoidal,
    /// <summary>Model-level: a trained table of position vectors added to the token embeddings (GPT-2), or a stretch of it.</summary>
    Learned,
    /// <summary>An attention pattern over a bounded cache (attention sinks): runs on RoPE, ALiBi and NoPE models alike.</summary>
    CacheAttention,
}
