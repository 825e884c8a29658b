using Eval.Core.Models;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// One model family the runtime hosts, chosen by config.json's model_type (<see cref="CausalLMFamilies"/>): how to
/// build its module from a parsed config and which checkpoint tensors transformers itself
/// drops or renames on load for it.
/// </summary>
public interface ICausalLMFamily
{
    /// <summary>The config.json model_type values this family loads.</summary>
    IReadOnlyList<string> ModelTypes { get; }

    /// <summary>The model a config describes, with freshly initialised weights; <paramref name="trainedLength"/> overrides L0.</summary>
    CausalLM Build(ModelConfig config, int? trainedLength);

    /// <summary>
    /// Makes a checkpoint's tensors match the module's names as transformers' from_pretrained would: drops buffers saved
    /// by old exports and a tied head's copy, adds a missing base-model prefix. Dropped tensors are disposed.
    /// </summary>
    void AdaptWeights(Dictionary<string, Tensor> weights, ModelConfig config);
}
