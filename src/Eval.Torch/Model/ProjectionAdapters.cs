using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// A module whose linear projections adapters may act on (an attention's q, k, v, o): the hook that lets a tuning
/// method (LoRA) adapt any family's attention without knowing its class.
/// </summary>
public interface IAdaptableProjections
{
    /// <summary>The projections by checkpoint name.</summary>
    IReadOnlyList<(string Name, Linear Linear)> Projections { get; }

    /// <summary>Adapters training beside the frozen projections (not part of the module's checkpoint), or null.</summary>
    IProjectionAdapter? Adapter { get; set; }
}

/// <summary>What an adapter adds to a projection's output.</summary>
public interface IProjectionAdapter
{
    /// <summary>The change to <paramref name="projection"/>'s output for input x (..., in) -> (..., out), or null for a projection it does not adapt.</summary>
    Tensor? Delta(IAdaptableProjections owner, string projection, Tensor x);
}
