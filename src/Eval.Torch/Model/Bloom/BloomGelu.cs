using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Bloom;

/// <summary>transformers' bloom_gelu_forward (BloomGelu at inference): gelu's tanh approximation with Megatron's constant 0.79788456 for sqrt(2/pi).</summary>
public static class BloomGelu
{
    /// <summary>x * 0.5 * (1 + tanh(0.79788456 x (1 + 0.044715 x^2))), elementwise.</summary>
    public static Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * 0.5 * (1.0 + (0.79788456 * x * (1.0 + 0.044715 * x * x)).tanh())).MoveToOuterDisposeScope();
    }
}
