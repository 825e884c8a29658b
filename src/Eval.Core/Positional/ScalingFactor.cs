namespace Eval.Core.Positional;

/// <summary>A context-extension factor s: fixed, or <c>auto</c> = max(1, L / L0) for the current length L.</summary>
public readonly record struct ScalingFactor(double Value, bool IsAuto)
{
    public static readonly ScalingFactor Auto = new(double.NaN, true);
    public static ScalingFactor Fixed(double value) => new(value, false);

    /// <summary>The factor for a sequence of <paramref name="sequenceLength"/> tokens on a model trained on L0.</summary>
    public double Resolve(int sequenceLength, int originalContext) =>
        IsAuto ? Math.Max(1.0, (double)sequenceLength / originalContext) : Value;
}
