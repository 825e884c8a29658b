using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.GptNeoX;

/// <summary>
/// transformers' GPTNeoXLayer. Parallel residual (Pythia): x + attn(ln1(x)) + mlp(ln2(x)), both from the same x.
/// Sequential: h = x + attn(ln1(x)), then h + mlp(ln2(h)).
/// </summary>
public sealed class GptNeoXLayer : nn.Module
{
    private readonly LayerNorm input_layernorm;
    private readonly LayerNorm post_attention_layernorm;
    private readonly GptNeoXAttention attention;
    private readonly GptNeoXMlp mlp;
    private readonly bool parallelResidual;

    public GptNeoXLayer(GptNeoXArchitecture a) : base(nameof(GptNeoXLayer))
    {
        input_layernorm = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        post_attention_layernorm = nn.LayerNorm(a.HiddenSize, a.LayerNormEps);
        attention = new GptNeoXAttention(a);
        mlp = new GptNeoXMlp(a);
        parallelResidual = a.ParallelResidual;
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D).</summary>
    public Tensor Forward(Tensor x, PositionalAttention positions, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var attended = attention.Forward(input_layernorm.forward(x), positions, cache, layer);
        if (parallelResidual) return (x + attended + mlp.forward(post_attention_layernorm.forward(x))).MoveToOuterDisposeScope();
        var h = x + attended;
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
