using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Gpt2;

/// <summary>transformers' GPT2MLP: c_proj(act(c_fc(x))), both Conv1D.</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Conv1D c_fc;
    private readonly Conv1D c_proj;
    private readonly string activation;

    public Gpt2Mlp(Gpt2Architecture a) : base(nameof(Gpt2Mlp))
    {
        c_fc = new Conv1D(a.HiddenSize, a.InnerSize);
        c_proj = new Conv1D(a.InnerSize, a.HiddenSize);
        activation = a.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return c_proj.forward(Gelu.Apply(activation, c_fc.forward(x))).MoveToOuterDisposeScope();   // (B, T, D)
    }
}
