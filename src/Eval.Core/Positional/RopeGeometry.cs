namespace Eval.Core.Positional;

/// <summary>The fixed RoPE shape of a model: what every strategy's frequencies are computed from.</summary>
/// <param name="HeadDim">Per-head dimension d; RoPE rotates d/2 pairs.</param>
/// <param name="Theta">The trained RoPE base (rope_theta), e.g. 10000.</param>
/// <param name="OriginalContext">The context length the model was trained on (L0).</param>
public sealed record RopeGeometry(int HeadDim, double Theta, int OriginalContext);
