using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Phi3;

/// <summary>transformers' Phi3MLP: gate_up_proj's output chunked in two, gate first; down_proj(up * silu(gate)).</summary>
public sealed class Phi3Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_up_proj;
    private readonly Linear down_proj;
    private readonly int intermediate;

    public Phi3Mlp(Phi3Architecture a) : base(nameof(Phi3Mlp))
    {
        intermediate = a.IntermediateSize;
        gate_up_proj = nn.Linear(a.HiddenSize, 2 * intermediate, hasBias: false);
        down_proj = nn.Linear(intermediate, a.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var both = gate_up_proj.forward(x);                                               // (B, T, 2 I)
        var gate = both[TensorIndex.Ellipsis, TensorIndex.Slice(0, intermediate)];       // (B, T, I)
        var up = both[TensorIndex.Ellipsis, TensorIndex.Slice(intermediate, null)];      // (B, T, I)
        return down_proj.forward(up * nn.functional.silu(gate)).MoveToOuterDisposeScope();
    }
}
