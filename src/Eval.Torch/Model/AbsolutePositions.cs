using Eval.Core.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Absolute position vectors added to the token embeddings: Vaswani et al.'s fixed sinusoids (no weights, continued
/// by the formula at any position) or GPT-2's learned table <c>model.embed_positions.weight</c> (rows, D), read as
/// trained or stretched by Su's hierarchical decomposition. Positions past what the strategy reaches are not
/// applicable: never clamped, never wrapped.
/// </summary>
public static class AbsolutePositions
{
    /// <summary>Vaswani's scaling of the token embeddings by sqrt(D) before the sinusoids are added; 1 for a learned table (GPT-2).</summary>
    public static double EmbeddingScale(IModelShape a) => a.Encoding == PositionEncoding.Sinusoidal ? Math.Sqrt(a.HiddenSize) : 1.0;

    /// <summary>Position vectors for positions [offset, offset + count): (T, D). <paramref name="table"/> is the learned (rows, D) table.</summary>
    public static Tensor Vectors(IModelShape a, Tensor? table, IPositionalStrategy strategy, int offset, int count, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var positions = arange(offset, offset + count, dtype: ScalarType.Int64, device: device);       // (T)
        Tensor vectors = a.Encoding == PositionEncoding.Sinusoidal ? Sinusoids(positions, a.HiddenSize)
            : Unwrap(strategy) is HierarchicalPositions h ? Hierarchical(table!, positions, offset + count, h.Alpha)
            : Learned(table!, positions, offset + count);
        return vectors.to(dtype).MoveToOuterDisposeScope();
    }

    private static IPositionalStrategy Unwrap(IPositionalStrategy s) => s is ContextLengthStrategy bound ? bound.Inner : s;

    /// <summary>PE(p, 2i) = sin(p / 10000^(2i/D)), PE(p, 2i + 1) = cos(p / 10000^(2i/D)), in float64: (T, D).</summary>
    public static Tensor Sinusoids(Tensor positions, int dim)
    {
        using var scope = NewDisposeScope();
        var inverse = pow(10000.0, arange(0, dim, 2, dtype: ScalarType.Float64, device: positions.device) / -dim);   // (D/2)
        var angles = positions.to(ScalarType.Float64).unsqueeze(1) * inverse.unsqueeze(0);                            // (T, D/2)
        return stack([angles.sin(), angles.cos()], dim: -1).flatten(1).MoveToOuterDisposeScope();                  // (T, D) interleaved
    }

    private static Tensor Learned(Tensor table, Tensor positions, int end)
    {
        int rows = (int)table.shape[0];
        if (end > rows)
            throw new NotApplicableException($"The learned position table has {rows} rows (the training length); position {end - 1} has none. " +
                $"hierarchical:alpha=0.4 stretches it to {HierarchicalPositions.Reach(rows):N0} positions.");
        return table.index_select(0, positions);                                                      // (T, D)
    }

    /// <summary>Su's decomposition: u = (P - alpha P_0) / (1 - alpha); position i n + j reads alpha u_i + (1 - alpha) u_j.</summary>
    private static Tensor Hierarchical(Tensor table, Tensor positions, int end, double alpha)
    {
        int rows = (int)table.shape[0];
        if (end > HierarchicalPositions.Reach(rows))
            throw new NotApplicableException($"Hierarchical decomposition of a {rows}-row table reaches {HierarchicalPositions.Reach(rows):N0} positions; position {end - 1} is beyond it.");
        var u = (table - alpha * table[0]) / (1 - alpha);                                              // (n, D)
        var outer = positions.div(rows, rounding_mode: RoundingMode.floor);                            // (T)
        var inner = positions.remainder(rows);                                                         // (T)
        return alpha * u.index_select(0, outer) + (1 - alpha) * u.index_select(0, inner);              // (T, D)
    }
}
