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
    /// <summary>Model-level: no positional encoding at all (NoPE).</summary>
    NoPE,
}
