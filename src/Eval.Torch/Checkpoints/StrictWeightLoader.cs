using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Checkpoints;

/// <summary>
/// Copies checkpoint tensors into a module's parameters, strictly: every missing key, unexpected key and shape
/// mismatch is reported at once, by name and with both shapes, before anything is copied.
/// </summary>
public static class StrictWeightLoader
{
    public static void Assign(nn.Module model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var state = model.state_dict();
        var problems = new List<string>();
        foreach (string key in state.Keys.Where(k => !weights.ContainsKey(k)))
            problems.Add($"missing tensor \"{key}\" (model expects [{string.Join(", ", state[key].shape)}])");
        foreach (string key in weights.Keys.Where(k => !state.ContainsKey(k)))
            problems.Add($"unexpected tensor \"{key}\" [{string.Join(", ", weights[key].shape)}]");
        foreach (var (key, target) in state)
            if (weights.TryGetValue(key, out var tensor) && !tensor.shape.SequenceEqual(target.shape))
                problems.Add($"tensor \"{key}\" has shape [{string.Join(", ", tensor.shape)}] but the model expects [{string.Join(", ", target.shape)}]");
        if (problems.Count > 0)
            throw new CheckpointException($"{source}: weights do not match the architecture in config.json:\n  " + string.Join("\n  ", problems));

        using var noGrad = no_grad();
        foreach (var (key, target) in state) target.copy_(weights[key]);
    }
}
