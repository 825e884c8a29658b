using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Gpt2;

/// <summary>transformers' GPT2Block: h = x + attn(ln_1(x)), then h + mlp(ln_2(h)).</summary>
public sealed class Gpt2Block : nn.Module
{
    private readonly LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;

    public Gpt2Block(Gpt2Architecture a) : base(nameof(Gpt2Block))
    {
        ln_1 = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        attn = new Gpt2Attention(a);
        ln_2 = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        mlp = new Gpt2Mlp(a);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D).</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var h = x + attn.Forward(ln_1.forward(x), positions, cache, layer);
        return (h + mlp.forward(ln_2.forward(h))).MoveToOuterDisposeScope();
    }
}
