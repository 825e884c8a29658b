using Eval.Core.Positional;
using Eval.Torch.Model.Attention;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Everything attention needs to know about positions for one forward pass, planned once from the strategy and shared
/// by every layer: the kernel (<see cref="AttentionKernels"/>: the encoding's own, or the strategy's attention variant's)
/// with its rotation tables. Queries sit at positions [QueryOffset, QueryOffset + T); keys at [0, QueryOffset + T).
/// A model with a sliding window (config.json's sliding_window: Mistral, Qwen2) hides, in the layers it applies to,
/// keys at i - j &gt;= W in every kernel but attention sinks and S2-Attn, which are refused when the window cuts keys.
/// </summary>
public sealed class PositionalAttention : IDisposable
{
    private readonly IAttentionKernel kernel;
    private readonly IModelShape architecture;

    /// <summary>The strategy of this forward pass (absolute encodings read their position vectors from it).</summary>
    public IPositionalStrategy Strategy { get; }

    public int QueryOffset { get; }
    public int QueryCount { get; }
    public int KeyCount => QueryOffset + QueryCount;

    /// <summary>
    /// Plans attention for queries [queryOffset, queryOffset + queryCount). <paramref name="frequencyLength"/> is
    /// the sequence length the strategy computes frequencies for: the window length when scoring, prompt plus
    /// new tokens when generating (so cached keys and later queries agree).
    /// </summary>
    /// <param name="training">Training-time attention (LongLoRA's S2-Attn) in place of full causal attention; null at evaluation.</param>
    public PositionalAttention(IPositionalStrategy strategy, IModelShape architecture,
        int queryOffset, int queryCount, int frequencyLength, ShiftedSparseAttention? training = null)
    {
        this.architecture = architecture;
        if (training is not null && (queryOffset != 0 || architecture.Encoding is PositionEncoding.Alibi or PositionEncoding.Kerple || strategy.Attention is not StandardAttention))
            throw new ArgumentException("S2-Attn is a training attention for whole RoPE or NoPE sequences with standard attention (no cache, no ALiBi or KERPLE, no ReRoPE, Self-Extend or sinks).");
        if (architecture.WindowCuts(queryOffset + queryCount) && (training is not null || strategy.Attention is SinkAttention))
            throw new NotApplicableException(WindowRefusal(training is not null ? "S2-Attn (attention: s2)" : $"attention sinks (\"{strategy.Spec}\")",
                architecture.SlidingWindow!.Value, queryOffset + queryCount));
        EnsureCompatible(strategy, architecture.Encoding);
        Strategy = strategy;
        QueryOffset = queryOffset;
        QueryCount = queryCount;
        kernel = AttentionKernels.Plan(new AttentionContext(strategy, architecture, queryOffset, queryCount, frequencyLength, training));
    }

    /// <summary>
    /// Why an attention that replaces the causal mask with its own pattern does not run on a model whose config.json's
    /// sliding_window hides keys at this length: the two masks have no agreed combination (sinks count positions in cache
    /// slots, S2-Attn groups tokens), so the combination is refused rather than either window silently dropped.
    /// </summary>
    public static string WindowRefusal(string attention, int window, int keys) =>
        $"{attention} cannot be combined with the model's sliding window: config.json's sliding_window is {window}, " +
        $"shorter than the {keys} positions attended to here, and the runtime does not define attention sinks or S2-Attn under a sliding window.";

    /// <summary>A strategy must fit how the model was trained: RoPE strategies on RoPE models, alibi/nope on their own.</summary>
    public static void EnsureCompatible(IPositionalStrategy strategy, PositionEncoding encoding)
    {
        if (!EncodingRules.Fits(strategy.Kind, encoding.ConfigName()))
            throw new ArgumentException(
                $"Strategy \"{strategy.Spec}\" ({strategy.Kind}) cannot run on a model trained with {encoding} positions.");
    }

    /// <summary>
    /// Attention of decoder layer <paramref name="layer"/> over queries q (B, nH, T, hd) and all keys/values k, v
    /// (B, nH, S, hd) (unrotated, GQA already expanded). Returns (B, nH, T, hd). Memory stays linear in S for every kernel.
    /// The layer decides the sliding window (<see cref="IModelShape.WindowOf"/>); one at least S long changes nothing.
    /// <paramref name="kerple"/>: the layer's KERPLE r1, r2 (nH each), required on a KERPLE model and ignored otherwise.
    /// </summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer = 0, (Tensor R1, Tensor R2)? kerple = null)
    {
        using var scope = NewDisposeScope();
        if (q.shape[2] != QueryCount || k.shape[2] != KeyCount)
            throw new ArgumentException($"Planned for {QueryCount} queries over {KeyCount} keys, got {q.shape[2]} over {k.shape[2]}.");
        int? slidingWindow = architecture.WindowOf(layer) is int w && w < KeyCount ? w : null;
        return kernel.Attend(q, k, v, layer, slidingWindow, kerple).MoveToOuterDisposeScope();
    }

    public void Dispose() => kernel.Dispose();
}
