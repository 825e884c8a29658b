using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model.GptNeoX;

/// <summary>transformers' GPTNeoXMLP: dense_4h_to_h(act(dense_h_to_4h(x))), both projections biased.</summary>
public sealed class GptNeoXMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense_h_to_4h;
    private readonly Linear dense_4h_to_h;
    private readonly string activation;

    public GptNeoXMlp(GptNeoXArchitecture a) : base(nameof(GptNeoXMlp))
    {
        dense_h_to_4h = nn.Linear(a.HiddenSize, a.IntermediateSize);
        dense_4h_to_h = nn.Linear(a.IntermediateSize, a.HiddenSize);
        activation = a.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return dense_4h_to_h.forward(Gelu.Apply(activation, dense_h_to_4h.forward(x))).MoveToOuterDisposeScope();   // (B, T, D)
    }
}
