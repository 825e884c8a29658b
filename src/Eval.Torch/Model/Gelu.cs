using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>The gelu activations of transformers' ACT2FN that GPT-NeoX and GPT-2 checkpoints name (hidden_act, activation_function).</summary>
public static class Gelu
{
    /// <summary>
    /// gelu: x Phi(x) with the exact (erf) normal CDF, transformers' GELUActivation. gelu_new and gelu_pytorch_tanh:
    /// the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), NewGELUActivation's formula (the
    /// pytorch-tanh one computes the same function inside libtorch).
    /// </summary>
    public static Tensor Apply(string name, Tensor x)
    {
        switch (name)
        {
            case "gelu":
                return nn.functional.gelu(x);
            case "gelu_new" or "gelu_pytorch_tanh":
                using (var scope = NewDisposeScope())
                    return (0.5 * x * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh())).MoveToOuterDisposeScope();
            default:
                throw new ArgumentException($"Activation \"{name}\" is not implemented; implemented: gelu, gelu_new, gelu_pytorch_tanh.");
        }
    }
}
