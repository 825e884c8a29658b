using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Phi3;

/// <summary>transformers' Phi3Attention: one qkv_proj whose output is [all q | all k | all v] (nH, nKV, nKV heads wide), then o_proj.</summary>
public sealed class Phi3Attention : nn.Module
{
    private readonly Linear qkv_proj;
    private readonly Linear o_proj;
    private readonly int heads, kvHeads, headDim;

    public Phi3Attention(Phi3Architecture a) : base(nameof(Phi3Attention))
    {
        (heads, kvHeads, headDim) = (a.Heads, a.KvHeads, a.HeadDim);
        qkv_proj = nn.Linear(a.HiddenSize, (heads + 2 * kvHeads) * headDim, hasBias: false);
        o_proj = nn.Linear(heads * headDim, a.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D). With a cache, this step's keys and values (unrotated) are appended to it first.</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        int q0 = heads * headDim, k1 = q0 + kvHeads * headDim;
        var qkv = qkv_proj.forward(x);                                                                                 // (B, T, (nH + 2 nKV) hd)
        var q = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(0, q0)].view(b, t, heads, headDim).transpose(1, 2);        // (B, nH, T, hd)
        var k = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(q0, k1)].view(b, t, kvHeads, headDim).transpose(1, 2);     // (B, nKV, T, hd)
        var v = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(k1, null)].view(b, t, kvHeads, headDim).transpose(1, 2);   // (B, nKV, T, hd)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                                                     // (B, nKV, S, hd)
        var y = positions.Attend(q, RepeatKv(k), RepeatKv(v), layer);                                                  // (B, nH, T, hd)
        y = y.transpose(1, 2).reshape(b, t, heads * headDim);                                                          // (B, T, nH hd)
        return o_proj.forward(y).MoveToOuterDisposeScope();
    }

    /// <summary>(B, nKV, S, hd) -> (B, nH, S, hd): query head h reads key head h / (nH / nKV), as transformers' repeat_kv.</summary>
    private Tensor RepeatKv(Tensor kv)
    {
        if (kvHeads == heads) return kv;
        long b = kv.shape[0], s = kv.shape[2];
        return kv.unsqueeze(2).expand(b, kvHeads, heads / kvHeads, s, headDim).reshape(b, heads, s, headDim);
    }
}
