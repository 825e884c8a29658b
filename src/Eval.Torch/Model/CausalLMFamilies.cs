using Eval.Core.Models;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model.Bloom;
using Eval.Torch.Model.Gpt2;
using Eval.Torch.Model.GptNeoX;
using Eval.Torch.Model.Phi3;

namespace Eval.Torch.Model;

/// <summary>
/// The registry model_type -> family. A new family is a folder beside GptNeoX/, Gpt2/, Phi3/ and Bloom/ (its modules, its
/// <see cref="ICausalLMFamily"/>) and one line here; its config.json reader (a file beside Eval.Core's
/// GptNeoXConfigReader, with its field table) and one line in ModelConfigReader's FamilyReaders.
/// </summary>
public static class CausalLMFamilies
{
    public static readonly IReadOnlyList<ICausalLMFamily> All = [new LlamaFamily(), new GptNeoXFamily(), new Gpt2Family(), new Phi3Family(), new BloomFamily()];

    /// <summary>The family of a model_type; <paramref name="configPath"/> names the file in the error.</summary>
    public static ICausalLMFamily For(string modelType, string configPath) =>
        All.FirstOrDefault(f => f.ModelTypes.Contains(modelType))
        ?? throw new CheckpointException($"{configPath}: model_type \"{modelType}\" has no runtime family. Hosted: {string.Join(", ", All.SelectMany(f => f.ModelTypes))}.");

    /// <summary>Drops the named tensors from a checkpoint's weights, disposing them.</summary>
    public static void Drop(Dictionary<string, TorchSharp.torch.Tensor> weights, Func<string, bool> drop)
    {
        foreach (string key in weights.Keys.Where(drop).ToList())
        {
            weights[key].Dispose();
            weights.Remove(key);
        }
    }
}
