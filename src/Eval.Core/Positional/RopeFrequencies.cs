namespace Eval.Core.Positional;

/// <summary>
/// What a RoPE strategy hands the model for one forward pass: d/2 inverse frequencies (computed in double,
/// converted to fp32 by the model) and the factor that multiplies cos and sin (transformers' attention_scaling).
/// </summary>
public sealed record RopeFrequencies(double[] InverseFrequencies, double AttentionFactor);
