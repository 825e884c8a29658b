using Eval.Core.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// A decoder-only language model of any family, as the scoring and generation code sees it: token ids to final hidden
/// states (with a KV cache when generating), hidden states to logits. Module field names stay those of the family's
/// Hugging Face checkpoint, so its state_dict keys are the checkpoint's tensor names. <see cref="CausalLMFamilies"/>
/// builds the right one from config.json's model_type.
/// </summary>
public abstract class CausalLM : nn.Module
{
    protected CausalLM(string name) : base(name) { }

    /// <summary>
    /// The decoder's shape, as the shared attention and position code reads it. (Not named Architecture with a covariant
    /// override: TorchSharp's Module.to reflects over properties by name, and a covariant override shows up twice.)
    /// </summary>
    public abstract IModelShape Shape { get; }

    /// <summary>
    /// Token ids (B, T) at positions [offset, offset + T) -> final normalised hidden states (B, T, D); offset is the
    /// cache's length. <paramref name="frequencyLength"/> is the length the strategy computes frequencies for (default
    /// offset + T): generation fixes it at prompt plus new tokens so cached keys and later queries agree.
    /// </summary>
    public abstract Tensor Hidden(Tensor inputIds, IPositionalStrategy strategy, KvCache? cache = null, int? frequencyLength = null);

    /// <summary>Hidden states (..., D) -> logits (..., V).</summary>
    public abstract Tensor Logits(Tensor hidden);

    /// <summary>The module's parameters as built, a tied head counted once (what <see cref="Eval.Core.Models.ModelCost"/> predicts from config.json).</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
