using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>Pre-norm block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(LlamaArchitecture a) : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(a);
        mlp = new LlamaMlp(a.HiddenSize, a.IntermediateSize);
        input_layernorm = new RmsNorm(a.HiddenSize, a.RmsNormEps);
        post_attention_layernorm = new RmsNorm(a.HiddenSize, a.RmsNormEps);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), positions, cache, layer);
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
