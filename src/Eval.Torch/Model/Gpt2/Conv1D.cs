using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Gpt2;

/// <summary>transformers' Conv1D (pytorch_utils): a linear layer whose weight is stored [in, out], transposed against nn.Linear's.</summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;   // (in, out)
    private readonly Parameter bias;     // (out)

    public Conv1D(long inputs, long outputs) : base(nameof(Conv1D))
    {
        weight = new Parameter(randn(inputs, outputs) * 0.02);
        bias = new Parameter(zeros(outputs));
        RegisterComponents();
    }

    /// <summary>x (..., in) -> x W + b (..., out).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x.matmul(weight) + bias).MoveToOuterDisposeScope();
    }
}
