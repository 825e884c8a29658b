using Eval.Torch.Model;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>What generation relies on: a forward pass in chunks through a KvCache gives the logits of one full forward.</summary>
public static class ChunkedForward
{
    /// <summary>Max |logit difference| over 30 tokens fed as 17 + 1 + 12 through a cache, against one forward of all 30,
    /// under the model's native strategy.</summary>
    public static double MaxDifference(LlamaForCausalLM model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var strategy = model.Architecture.NativeStrategy();
        var ids = tensor(FamilyCheckpoint.Tokens(30, 8).Select(t => (long)t).ToArray(), [1, 30]);
        var full = model.Logits(model.Hidden(ids, strategy));                   // (1, 30, V)
        using var cache = new KvCache(model.Architecture.Layers);
        var pieces = new[] { (0, 17), (17, 18), (18, 30) }
            .Select(r => model.Logits(model.Hidden(ids[.., TensorIndex.Slice(r.Item1, r.Item2)], strategy, cache))).ToArray();
        return (cat(pieces, dim: 1) - full).abs().max().item<float>();
    }
}
