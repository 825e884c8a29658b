using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>RMSNorm as in HF Llama: normalise in fp32, scale by the weight in the input dtype.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Scalar eps; // held for the module's life: a temporary Scalar can be freed during the call that reads it

    public RmsNorm(long size, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(size));
        this.eps = eps.ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        // square(), not pow(2): pow takes its exponent as a temporary TorchSharp Scalar, and one was freed under a running
        // call ("Unknown scalar type" in one case of 555 in a CI run); square has no Scalar operand.
        var normed = x32 * (x32.square().mean([-1L], keepdim: true) + eps).rsqrt();
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
