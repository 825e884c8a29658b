using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.GptNeoX;

/// <summary>transformers' GPTNeoXAttention: one fused query_key_value projection laid out per head as [q | k | v], then dense.</summary>
public sealed class GptNeoXAttention : nn.Module
{
    private readonly Linear query_key_value;
    private readonly Linear dense;
    private readonly int heads, headDim;

    public GptNeoXAttention(GptNeoXArchitecture a) : base(nameof(GptNeoXAttention))
    {
        (heads, headDim) = (a.Heads, a.HeadDim);
        query_key_value = nn.Linear(a.HiddenSize, 3 * a.HiddenSize, hasBias: a.AttentionBias);
        dense = nn.Linear(a.HiddenSize, a.HiddenSize, hasBias: a.AttentionBias);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D). With a cache, this step's keys and values (unrotated) are appended to it first.</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        // The fused output is per head [q | k | v], not [all q | all k | all v]: view as (B, T, nH, 3 hd) and split the last axis.
        var qkv = query_key_value.forward(x).view(b, t, heads, 3 * headDim);                  // (B, T, nH, 3 hd)
        var q = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(0, headDim)].transpose(1, 2);               // (B, nH, T, hd)
        var k = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(headDim, 2 * headDim)].transpose(1, 2);     // (B, nH, T, hd)
        var v = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(2 * headDim, null)].transpose(1, 2);        // (B, nH, T, hd)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                           // (B, nH, S, hd)
        // Partial rotary: the plan's tables cover rotary_ndims, so only those leading dimensions of q and k turn.
        var y = positions.Attend(q, k, v, layer);                                             // (B, nH, T, hd)
        y = y.transpose(1, 2).reshape(b, t, heads * headDim);                                 // (B, T, D)
        return dense.forward(y).MoveToOuterDisposeScope();
    }
}
