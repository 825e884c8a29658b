using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Gpt2;

/// <summary>transformers' GPT2Attention (self-attention only): c_attn gives [all q | all k | all v] along the last axis, then c_proj.</summary>
public sealed class Gpt2Attention : nn.Module
{
    private readonly Conv1D c_attn;
    private readonly Conv1D c_proj;
    private readonly int heads, headDim, hidden;

    public Gpt2Attention(Gpt2Architecture a) : base(nameof(Gpt2Attention))
    {
        (heads, headDim, hidden) = (a.Heads, a.HeadDim, a.HiddenSize);
        c_attn = new Conv1D(a.HiddenSize, 3 * a.HiddenSize);
        c_proj = new Conv1D(a.HiddenSize, a.HiddenSize);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D). With a cache, this step's keys and values are appended to it first.</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        // Unlike GPT-NeoX's per-head layout, GPT-2 splits the fused output into three D-wide blocks (split(split_size, dim=2)).
        var qkv = c_attn.forward(x);                                                                   // (B, T, 3 D)
        var q = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(0, hidden)].view(b, t, heads, headDim).transpose(1, 2);              // (B, nH, T, hd)
        var k = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(hidden, 2 * hidden)].view(b, t, heads, headDim).transpose(1, 2);     // (B, nH, T, hd)
        var v = qkv[TensorIndex.Ellipsis, TensorIndex.Slice(2 * hidden, null)].view(b, t, heads, headDim).transpose(1, 2);       // (B, nH, T, hd)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                                    // (B, nH, S, hd)
        var y = positions.Attend(q, k, v, layer);                                                      // (B, nH, T, hd), scores / sqrt(hd)
        y = y.transpose(1, 2).reshape(b, t, hidden);                                                   // (B, T, D)
        return c_proj.forward(y).MoveToOuterDisposeScope();
    }
}
