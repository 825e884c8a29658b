using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Bloom;

/// <summary>
/// transformers' BloomBlock: a = attn(ln1(x)) + r1, then mlp(ln2(a)) + r2, where the residuals are the raw inputs
/// (r1 = x, r2 = a) or, with apply_residual_connection_post_layernorm, the layernormed ones (r1 = ln1(x), r2 = ln2(a)).
/// </summary>
public sealed class BloomBlock : nn.Module
{
    private readonly LayerNorm input_layernorm;
    private readonly BloomAttention self_attention;
    private readonly LayerNorm post_attention_layernorm;
    private readonly BloomMlp mlp;
    private readonly bool postLayerNormResidual;

    public BloomBlock(BloomArchitecture a) : base(nameof(BloomBlock))
    {
        input_layernorm = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        self_attention = new BloomAttention(a);
        post_attention_layernorm = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        mlp = new BloomMlp(a);
        postLayerNormResidual = a.PostLayerNormResidual;
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D).</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var normed = input_layernorm.forward(x);
        var attended = self_attention.Forward(normed, positions, cache, layer) + (postLayerNormResidual ? normed : x);
        var normedAgain = post_attention_layernorm.forward(attended);
        return (mlp.forward(normedAgain) + (postLayerNormResidual ? normedAgain : attended)).MoveToOuterDisposeScope();
    }
}
