using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// The rotation of one forward pass: the strategy's inverse frequencies (hd/2) and attention factor, keys' cos/sin
/// tables (S, hd) at positions [0, S) and the queries' (T, hd), their last T rows. Kernels that rotate at other
/// positions as well build more tables from <see cref="Inverse"/> and <see cref="Factor"/>.
/// </summary>
public sealed class RotaryPlan : IDisposable
{
    public Tensor Inverse { get; }
    public double Factor { get; }
    public Tensor KeyCos { get; }
    public Tensor KeySin { get; }
    public Tensor QueryCos { get; }
    public Tensor QuerySin { get; }

    private RotaryPlan(RopeFrequencies frequencies, int queryOffset, int keyCount)
    {
        Inverse = tensor(frequencies.InverseFrequencies, ScalarType.Float64).to(ScalarType.Float32);
        Factor = frequencies.AttentionFactor;
        using var keyPositions = arange(0, keyCount, dtype: ScalarType.Float32);
        (KeyCos, KeySin) = Rotary.Tables(keyPositions, Inverse, Factor);
        QueryCos = KeyCos[TensorIndex.Slice(queryOffset, null)];
        QuerySin = KeySin[TensorIndex.Slice(queryOffset, null)];
    }

    /// <summary>The strategy's rotation at its frequency length.</summary>
    public static RotaryPlan OfStrategy(AttentionContext c) =>
        new(c.Strategy.Frequencies(c.Shape.Geometry, c.FrequencyLength), c.QueryOffset, c.KeyCount);

    /// <summary>The rotation the model was trained with (RoPE at its theta), whatever the strategy: HWFA's and xPos's.</summary>
    public static RotaryPlan AsTrained(AttentionContext c) =>
        new(StrategyRegistry.Create("default").Frequencies(c.Shape.Geometry, c.KeyCount), c.QueryOffset, c.KeyCount);

    public Tensor RotateQueries(Tensor q) => Rotary.Apply(q, QueryCos, QuerySin);
    public Tensor RotateKeys(Tensor k) => Rotary.Apply(k, KeyCos, KeySin);

    /// <summary>bojone's log-n query scaling max(1, log(i + 1) / log(L0)) for queries i in [offset, end): (T, 1).</summary>
    public static Tensor LogNScale(int offset, int end, int trainedLength)
    {
        using var positions = arange(offset + 1, end + 1, dtype: ScalarType.Float32);
        return (positions.log() / Math.Log(trainedLength)).clamp_min(1.0).view(-1, 1);
    }

    public void Dispose()
    {
        foreach (var t in new[] { Inverse, KeyCos, KeySin, QueryCos, QuerySin }) t.Dispose();
    }
}
