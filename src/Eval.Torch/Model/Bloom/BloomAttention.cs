using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Bloom;

/// <summary>
/// transformers' BloomAttention: one fused, biased query_key_value laid out per head as [q | k | v] (its _reshape views
/// the output as (B, T, nH, 3, hd)), ALiBi-biased causal attention, then dense.
/// </summary>
public sealed class BloomAttention : nn.Module
{
    private readonly Linear query_key_value;
    private readonly Linear dense;
    private readonly int heads, headDim;

    public BloomAttention(BloomArchitecture a) : base(nameof(BloomAttention))
    {
        (heads, headDim) = (a.Heads, a.HeadDim);
        query_key_value = nn.Linear(a.HiddenSize, 3 * a.HiddenSize);
        dense = nn.Linear(a.HiddenSize, a.HiddenSize);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> dense(attention) (B, T, D), before the residual. With a cache, this step's keys and values are appended to it first.</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var qkv = query_key_value.forward(x).view(b, t, heads, 3, headDim);          // (B, T, nH, 3, hd)
        var q = qkv.select(3, 0).transpose(1, 2);                                    // (B, nH, T, hd)
        var k = qkv.select(3, 1).transpose(1, 2);                                    // (B, nH, T, hd)
        var v = qkv.select(3, 2).transpose(1, 2);                                    // (B, nH, T, hd)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                  // (B, nH, S, hd)
        // BLOOM adds slope_h * j to the scores q k / sqrt(hd) of key j; the plan subtracts slope_h * (i - j), which
        // differs by slope_h * i, the same for a whole query row, so the softmax is the same.
        var y = positions.Attend(q, k, v, layer);                                    // (B, nH, T, hd)
        y = y.transpose(1, 2).reshape(b, t, heads * headDim);                        // (B, T, D)
        return dense.forward(y).MoveToOuterDisposeScope();
    }
}
