using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Phi3;

/// <summary>transformers' Phi3DecoderLayer: h = x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class Phi3DecoderLayer : nn.Module
{
    private readonly Phi3Attention self_attn;
    private readonly Phi3Mlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;

    public Phi3DecoderLayer(Phi3Architecture a) : base(nameof(Phi3DecoderLayer))
    {
        self_attn = new Phi3Attention(a);
        mlp = new Phi3Mlp(a);
        input_layernorm = new RmsNorm(a.HiddenSize, a.RmsNormEps);
        post_attention_layernorm = new RmsNorm(a.HiddenSize, a.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D).</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), positions, cache, layer);
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
