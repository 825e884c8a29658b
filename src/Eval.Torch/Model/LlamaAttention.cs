using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>Grouped-query self-attention. Field names are the HF checkpoint keys (q_proj, k_proj, v_proj, o_proj).</summary>
public sealed class LlamaAttention : nn.Module
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly int heads, kvHeads, headDim;

    public LlamaAttention(LlamaArchitecture a) : base(nameof(LlamaAttention))
    {
        (heads, kvHeads, headDim) = (a.Heads, a.KvHeads, a.HeadDim);
        q_proj = nn.Linear(a.HiddenSize, heads * headDim, hasBias: a.AttentionBias);
        k_proj = nn.Linear(a.HiddenSize, kvHeads * headDim, hasBias: a.AttentionBias);
        v_proj = nn.Linear(a.HiddenSize, kvHeads * headDim, hasBias: a.AttentionBias);
        o_proj = nn.Linear(heads * headDim, a.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D). With a cache, this step's keys and values are appended to it first.</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, heads, headDim).transpose(1, 2);   // (B, nH, T, hd)
        var k = k_proj.forward(x).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, nKV, T, hd)
        var v = v_proj.forward(x).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, nKV, T, hd)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);             // (B, nKV, S, hd)
        var y = positions.Attend(q, RepeatKv(k), RepeatKv(v));                   // (B, nH, T, hd)
        y = y.transpose(1, 2).reshape(b, t, heads * headDim);                    // (B, T, nH*hd)
        return o_proj.forward(y).MoveToOuterDisposeScope();
    }

    /// <summary>(B, nKV, S, hd) -> (B, nH, S, hd): query head h reads key head h / (nH / nKV), as HF's repeat_kv.</summary>
    private Tensor RepeatKv(Tensor kv)
    {
        if (kvHeads == heads) return kv;
        long b = kv.shape[0], s = kv.shape[2];
        return kv.unsqueeze(2).expand(b, kvHeads, heads / kvHeads, s, headDim).reshape(b, heads, s, headDim);
    }
}
