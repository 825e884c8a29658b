using Eval.Torch.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Tuning;

/// <summary>
/// LoRA on every attention projection (q, k, v, o) of any family whose attention exposes them (<see cref="IAdaptableProjections"/>), as PEFT does it: y = W x + (alpha / r) B A x with A (r, in)
/// Kaiming-uniform and B (out, r) zero, so a fresh adapter changes nothing. The base weights stay where they are;
/// <see cref="Merge"/> writes W + (alpha / r) B A into them and detaches the adapters, leaving an ordinary checkpoint.
/// A module of its own, so the trainer saves and resumes it beside the model.
/// </summary>
public sealed class LoraAdapters : nn.Module, IProjectionAdapter
{
    private readonly ParameterDict adapters = new();
    private readonly List<(IAdaptableProjections Attention, string Projection, Parameter A, Parameter B)> targets = [];

    public double Scale { get; }

    public LoraAdapters(nn.Module model, int rank, double alpha, int seed) : base(nameof(LoraAdapters))
    {
        Scale = alpha / rank;
        manual_seed(seed); // A's initialisation is part of the recipe: the same seed gives the same adapters
        int layer = 0;
        foreach (var attention in model.modules().OfType<IAdaptableProjections>())
        {
            foreach (var (projection, linear) in attention.Projections)
            {
                long outFeatures = linear.weight!.shape[0], inFeatures = linear.weight.shape[1];
                var a = new Parameter(empty(rank, inFeatures));
                nn.init.kaiming_uniform_(a, a: Math.Sqrt(5));           // PEFT's default for A
                var b = new Parameter(zeros(outFeatures, rank));
                adapters.Add(($"layer{layer}_{projection}_A", a));
                adapters.Add(($"layer{layer}_{projection}_B", b));
                targets.Add((attention, projection, a, b));
            }
            attention.Adapter = this;
            layer++;
        }
        RegisterComponents();
    }

    /// <summary>The adapter's contribution to <paramref name="projection"/>'s output: (alpha / r) x A^T B^T, x (..., in) -> (..., out).</summary>
    public Tensor? Delta(IAdaptableProjections attention, string projection, Tensor x)
    {
        foreach (var t in targets)
            if (ReferenceEquals(t.Attention, attention) && t.Projection == projection)
                return x.matmul(t.A.t()).matmul(t.B.t()) * Scale;
        return null;
    }

    /// <summary>W += (alpha / r) B A for every target, then the model runs without adapters.</summary>
    public void Merge()
    {
        using var noGrad = no_grad();
        foreach (var (attention, projection, a, b) in targets)
        {
            var linear = attention.Projections.Single(p => p.Name == projection).Linear;
            linear.weight!.add_(b.matmul(a) * Scale);
            attention.Adapter = null;
        }
    }
}
