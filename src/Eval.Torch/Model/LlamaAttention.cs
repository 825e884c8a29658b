using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>Grouped-query self-attention. Field names are the HF checkpoint keys (q_proj, k_proj, v_proj, o_proj; kerple_r1, kerple_r2 on KERPLE models).</summary>
public sealed class LlamaAttention : nn.Module, IAdaptableProjections
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly int heads, kvHeads, headDim;
    private readonly Parameter? kerple_r1, kerple_r2;   // (nH) each: KERPLE-log's per-head r1, r2 (KerpleLogBias)

    public LlamaAttention(LlamaArchitecture a) : base(nameof(LlamaAttention))
    {
        (heads, kvHeads, headDim) = (a.Heads, a.KvHeads, a.HeadDim);
        q_proj = nn.Linear(a.HiddenSize, heads * headDim, hasBias: a.AttentionBias);
        k_proj = nn.Linear(a.HiddenSize, kvHeads * headDim, hasBias: a.AttentionBias);
        v_proj = nn.Linear(a.HiddenSize, kvHeads * headDim, hasBias: a.AttentionBias);
        o_proj = nn.Linear(heads * headDim, a.HiddenSize, hasBias: false);
        if (a.Encoding == PositionEncoding.Kerple)
        {
            kerple_r1 = new Parameter(ones(heads));
            kerple_r2 = new Parameter(ones(heads));
        }
        RegisterComponents();
    }

    /// <summary>The attention's projections by checkpoint name, for adapters (LoRA) that act on them.</summary>
    public IReadOnlyList<(string Name, Linear Linear)> Projections => [("q_proj", q_proj), ("k_proj", k_proj), ("v_proj", v_proj), ("o_proj", o_proj)];

    public IProjectionAdapter? Adapter { get; set; }

    private Tensor Project(Linear linear, string name, Tensor x)
    {
        var y = linear.forward(x);
        return Adapter?.Delta(this, name, x) is { } delta ? y + delta : y;
    }

    /// <summary>x (B, T, D) -> (B, T, D). With a cache, this step's keys and values are appended to it first.</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = Project(q_proj, "q_proj", x).view(b, t, heads, headDim).transpose(1, 2);   // (B, nH, T, hd)
        var k = Project(k_proj, "k_proj", x).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, nKV, T, hd)
        var v = Project(v_proj, "v_proj", x).view(b, t, kvHeads, headDim).transpose(1, 2); // (B, nKV, T, hd)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);             // (B, nKV, S, hd)
        (Tensor, Tensor)? kerple = null;
        if (kerple_r1 is not null && kerple_r2 is not null)
        {
            KerpleLogBias.KeepPositive(kerple_r1, kerple_r2);
            kerple = (kerple_r1, kerple_r2);
        }
        var y = positions.Attend(q, RepeatKv(k), RepeatKv(v), layer, kerple);    // (B, nH, T, hd)
        y = y.transpose(1, 2).reshape(b, t, heads * headDim);                    // (B, T, nH*hd)
        return Project(o_proj, "o_proj", y).MoveToOuterDisposeScope();
    }

    /// <summary>(B, nKV, S, hd) -> (B, nH, S, hd): query head h reads key head h / (nH / nKV), as HF's repeat_kv.</summary>
    private Tensor RepeatKv(Tensor kv)
    {
        if (kvHeads == heads) return kv;
        long b = kv.shape[0], s = kv.shape[2];
        return kv.unsqueeze(2).expand(b, kvHeads, heads / kvHeads, s, headDim).reshape(b, heads, s, headDim);
    }
}
