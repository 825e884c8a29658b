using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Bloom;

/// <summary>transformers' BloomMLP without its residual add: dense_4h_to_h(bloom_gelu(dense_h_to_4h(x))), both projections biased.</summary>
public sealed class BloomMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense_h_to_4h;
    private readonly Linear dense_4h_to_h;

    public BloomMlp(BloomArchitecture a) : base(nameof(BloomMlp))
    {
        dense_h_to_4h = nn.Linear(a.HiddenSize, a.InnerSize);
        dense_4h_to_h = nn.Linear(a.InnerSize, a.HiddenSize);
        RegisterComponents();
    }

    /// <summary>x (B, T, D) -> (B, T, D).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return dense_4h_to_h.forward(BloomGelu.Apply(dense_h_to_4h.forward(x))).MoveToOuterDisposeScope();
    }
}
