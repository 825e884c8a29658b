using Eval.Core.Positional;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Everything attention needs to know about positions for one forward pass, computed once from the strategy
/// and shared by every layer: the rotation tables and which attention computation to run.
/// Queries sit at positions [QueryOffset, QueryOffset + T); keys at [0, QueryOffset + T).
/// A model with a sliding window (config.json's sliding_window: Mistral, Qwen2) hides, in the layers it applies to,
/// keys at i - j &gt;= W in every mode but attention sinks and S2-Attn, which are refused when the window cuts keys.
/// </summary>
public sealed class PositionalAttention : IDisposable
{
    private enum Mode { Sdpa, DualRotary, Alibi, Kerple, Hwfa, Sinks }

    private readonly Mode mode;
    private readonly bool rotate;
    private readonly Tensor? queryCos, querySin, keyCos, keySin;          // (T, hd), (S, hd)
    private readonly Tensor? farQueryCos, farQuerySin, farKeyCos, farKeySin;
    private readonly Tensor? queryScale;                                  // (T, 1): ReRoPE's log-n
    private readonly Tensor? fullLayerScale;                              // (T, 1): HWFA's log-n, last layer only
    private readonly Tensor? sinkQueryCos, sinkQuerySin;                  // (T, hd): queries at their cache slot, for sink keys
    private readonly SinkAttention? sinks;
    private readonly Tensor? alibiSlopes;                                 // (nH, 1, 1)
    private readonly int window;
    private readonly ShiftedSparseAttention? training;
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
        this.training = training;
        this.architecture = architecture;
        if (training is not null && (queryOffset != 0 || architecture.Encoding is PositionEncoding.Alibi or PositionEncoding.Kerple || strategy.Attention is not StandardAttention))
            throw new ArgumentException("S2-Attn is a training attention for whole RoPE or NoPE sequences with standard attention (no cache, no ALiBi or KERPLE, no ReRoPE, Self-Extend or sinks).");
        if (architecture.WindowCuts(queryOffset + queryCount) && (training is not null || strategy.Attention is SinkAttention))
            throw new NotApplicableException(WindowRefusal(training is not null ? "S2-Attn (attention: s2)" : $"attention sinks (\"{strategy.Spec}\")",
                architecture.SlidingWindow!.Value, queryOffset + queryCount));
        Strategy = strategy;
        QueryOffset = queryOffset;
        QueryCount = queryCount;
        int keyCount = queryOffset + queryCount;
        EnsureCompatible(strategy, architecture.Encoding);
        sinks = strategy.Attention as SinkAttention;

        if (architecture.Encoding is PositionEncoding.NoPE or PositionEncoding.Sinusoidal or PositionEncoding.Learned)
        {
            mode = sinks is null ? Mode.Sdpa : Mode.Sinks;   // absolute encodings added their vectors to the embeddings
            return;
        }
        if (architecture.Encoding == PositionEncoding.Kerple)
        {
            mode = Mode.Kerple;                               // each layer brings its own learned r1, r2 to Attend
            return;
        }
        if (architecture.Encoding == PositionEncoding.Alibi)
        {
            mode = sinks is null ? Mode.Alibi : Mode.Sinks;
            alibiSlopes = tensor(AlibiSlopes.For(architecture.Heads), ScalarType.Float32).view(-1, 1, 1);
            return;
        }

        rotate = true;
        if (architecture.Encoding == PositionEncoding.Hwfa)
        {
            // Su's hybrid window-full attention: windowed layers rotate as trained (RoPE at the model's theta); the last
            // layer attends to everything without positions, its queries scaled by max(1, log(i + 1) / log L0).
            mode = Mode.Hwfa;
            var trained = StrategyRegistry.Create("default").Frequencies(architecture.Geometry, keyCount);
            using var hwfaInverse = tensor(trained.InverseFrequencies, ScalarType.Float64).to(ScalarType.Float32);
            using var positions = arange(0, keyCount, dtype: ScalarType.Float32);
            (keyCos, keySin) = Rotary.Tables(positions, hwfaInverse, 1.0);
            queryCos = keyCos[TensorIndex.Slice(queryOffset, null)];
            querySin = keySin[TensorIndex.Slice(queryOffset, null)];
            fullLayerScale = LogNScale(queryOffset, keyCount, architecture.TrainedLength);
            return;
        }
        if (architecture.Encoding == PositionEncoding.Xpos)
        {
            mode = Mode.Sdpa;
            (queryCos, querySin, keyCos, keySin) = XposTables(architecture, queryOffset, keyCount);
            return;
        }
        RopeFrequencies frequencies = strategy.Frequencies(architecture.Geometry, frequencyLength);
        using var inverse = tensor(frequencies.InverseFrequencies, ScalarType.Float64).to(ScalarType.Float32);
        using var keyPositions = arange(0, keyCount, dtype: ScalarType.Float32);
        (keyCos, keySin) = Rotary.Tables(keyPositions, inverse, frequencies.AttentionFactor);
        queryCos = keyCos[TensorIndex.Slice(queryOffset, null)];
        querySin = keySin[TensorIndex.Slice(queryOffset, null)];

        switch (strategy.Attention)
        {
            case StandardAttention:
                mode = Mode.Sdpa;
                break;
            case SinkAttention sink:
                // StreamingLLM's pos_shift: once the cache is full the query sits at slot start + window.
                mode = Mode.Sinks;
                using (var slots = arange(queryOffset, keyCount, dtype: ScalarType.Float32).clamp_max(sink.Start + sink.Window))
                    (sinkQueryCos, sinkQuerySin) = Rotary.Tables(slots, inverse, frequencies.AttentionFactor);
                break;
            case ReRopeAttention rerope:
                // bojone/rerope: inside the window exact relative positions; beyond it every query sits at
                // position w and keys stay unrotated, so their relative position reads as w.
                mode = Mode.DualRotary;
                window = rerope.Window;
                SetFar(inverse, frequencies.AttentionFactor, full(queryCount, (float)rerope.Window), zeros(keyCount),
                    out farQueryCos, out farQuerySin, out farKeyCos, out farKeySin);
                if (rerope.LogN) queryScale = LogNScale(queryOffset, keyCount, architecture.TrainedLength);
                break;
            case LeakyReRopeAttention leaky:
                // bojone/rerope leaky variant: beyond the window relative position r reads w + (r - w) / k,
                // obtained by rotating queries at (i + w(k-1)) / k and keys at j / k.
                mode = Mode.DualRotary;
                window = leaky.Window;
                using (var q = arange(queryOffset, keyCount, dtype: ScalarType.Float64))
                using (var k = arange(0, keyCount, dtype: ScalarType.Float64))
                    SetFar(inverse, frequencies.AttentionFactor, (q + leaky.Window * (leaky.K - 1)) / leaky.K, k / leaky.K,
                        out farQueryCos, out farQuerySin, out farKeyCos, out farKeySin);
                if (leaky.LogN) queryScale = LogNScale(queryOffset, keyCount, architecture.TrainedLength);
                break;
            case SelfExtendAttention selfExtend:
                // Self-Extend (LongLM): neighbours within W keep exact positions; beyond, keys sit at j // G and
                // queries at i // G + W - W / G, so grouped and neighbour positions meet at the window edge.
                mode = Mode.DualRotary;
                window = selfExtend.Window;
                int g = selfExtend.GroupSize, w = selfExtend.Window;
                using (var q = arange(queryOffset, keyCount, dtype: ScalarType.Int64))
                using (var k = arange(0, keyCount, dtype: ScalarType.Int64))
                    SetFar(inverse, frequencies.AttentionFactor, q.div(g, rounding_mode: RoundingMode.floor) + (w - (double)w / g),
                        k.div(g, rounding_mode: RoundingMode.floor),
                        out farQueryCos, out farQuerySin, out farKeyCos, out farKeySin);
                break;
            default:
                throw new NotSupportedException($"Attention variant {strategy.Attention} is not implemented.");
        }
    }

    /// <summary>
    /// xPos's tables: RoPE at the model's theta (the trained rotation, "default"), the query tables (T, hd) times
    /// zeta^((n - c) / gamma), the key tables (S, hd) times zeta^(-(m - c) / gamma) (<see cref="XposScale"/>).
    /// </summary>
    private static (Tensor, Tensor, Tensor, Tensor) XposTables(IModelShape architecture, int queryOffset, int keyCount)
    {
        using var scope = NewDisposeScope();
        int headDim = architecture.Geometry.HeadDim;
        if (keyCount > XposScale.MaxKeys(headDim))
            throw new NotApplicableException($"xPos attends over at most {XposScale.MaxKeys(headDim)} positions at head_dim {headDim} in float32 " +
                $"(its scale zeta^(-S/2/{XposScale.ScaleBase}) would pass e^{XposScale.MaxLogFactor}); {keyCount} asked.");
        var frequencies = StrategyRegistry.Create("default").Frequencies(architecture.Geometry, keyCount);
        using var inverse = tensor(frequencies.InverseFrequencies, ScalarType.Float64).to(ScalarType.Float32);
        var (cos, sin) = Rotary.Tables(arange(0, keyCount, dtype: ScalarType.Float32), inverse, 1.0);   // (S, hd)
        var up = XposScale.Factors(keyCount, headDim, +1)[TensorIndex.Slice(queryOffset, null)];          // (T, hd)
        var down = XposScale.Factors(keyCount, headDim, -1);                                               // (S, hd)
        var queries = TensorIndex.Slice(queryOffset, null);
        return ((cos[queries] * up).MoveToOuterDisposeScope(), (sin[queries] * up).MoveToOuterDisposeScope(),
            (cos * down).MoveToOuterDisposeScope(), (sin * down).MoveToOuterDisposeScope());
    }

    /// <summary>bojone's log-n query scaling max(1, log(i + 1) / log(L0)) for queries i in [offset, end): (T, 1).</summary>
    private static Tensor LogNScale(int offset, int end, int trainedLength)
    {
        using var positions = arange(offset + 1, end + 1, dtype: ScalarType.Float32);
        return (positions.log() / Math.Log(trainedLength)).clamp_min(1.0).view(-1, 1);
    }

    private static void SetFar(Tensor inverse, double factor, Tensor queryPositions, Tensor keyPositions,
        out Tensor? qCos, out Tensor? qSin, out Tensor? kCos, out Tensor? kSin)
    {
        (qCos, qSin) = Rotary.Tables(queryPositions, inverse, factor);
        (kCos, kSin) = Rotary.Tables(keyPositions, inverse, factor);
        queryPositions.Dispose();
        keyPositions.Dispose();
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
    /// (B, nH, S, hd) (unrotated, GQA already expanded). Returns (B, nH, T, hd). Memory stays linear in S for every mode.
    /// The layer decides the sliding window (<see cref="IModelShape.WindowOf"/>); one at least S long changes nothing.
    /// <paramref name="kerple"/>: the layer's KERPLE r1, r2 (nH each), required on a KERPLE model and ignored otherwise.
    /// </summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer = 0, (Tensor R1, Tensor R2)? kerple = null)
    {
        using var scope = NewDisposeScope();
        if (q.shape[2] != QueryCount || k.shape[2] != KeyCount)
            throw new ArgumentException($"Planned for {QueryCount} queries over {KeyCount} keys, got {q.shape[2]} over {k.shape[2]}.");
        int? slidingWindow = architecture.WindowOf(layer) is int w && w < KeyCount ? w : null;
        var qs = queryScale is null ? q : q * queryScale.to(q.dtype);
        Tensor result = mode switch
        {
            Mode.Sdpa => Sdpa(rotate ? Rotary.Apply(qs, queryCos!, querySin!) : qs, rotate ? Rotary.Apply(k, keyCos!, keySin!) : k, v, slidingWindow),
            Mode.DualRotary => RowBlockAttention.DualRotary(
                Rotary.Apply(qs, queryCos!, querySin!), Rotary.Apply(k, keyCos!, keySin!),
                Rotary.Apply(qs, farQueryCos!, farQuerySin!), Rotary.Apply(k, farKeyCos!, farKeySin!),
                v, QueryOffset, window, slidingWindow),
            Mode.Sinks when rotate => StreamingAttention.Attend(Rotary.Apply(q, queryCos!, querySin!), Rotary.Apply(q, sinkQueryCos!, sinkQuerySin!),
                Rotary.Apply(k, keyCos!, keySin!), v, QueryOffset, sinks!, null),
            Mode.Sinks => StreamingAttention.Attend(q, q, k, v, QueryOffset, sinks!, alibiSlopes),
            Mode.Hwfa when architecture.IsFullNoPELayer(layer) => Sdpa(q * fullLayerScale!.to(q.dtype), k, v, null),
            Mode.Hwfa => Sdpa(Rotary.Apply(q, queryCos!, querySin!), Rotary.Apply(k, keyCos!, keySin!), v, slidingWindow),
            Mode.Kerple when kerple is (Tensor r1, Tensor r2) => RowBlockAttention.Kerple(q, k, v, QueryOffset, r1, r2, slidingWindow),
            Mode.Kerple => throw new ArgumentException($"A KERPLE model's layer {layer} must pass its kerple_r1 and kerple_r2 to attention."),
            _ => RowBlockAttention.Alibi(q, k, v, QueryOffset, alibiSlopes!, slidingWindow),
        };
        return result.MoveToOuterDisposeScope();
    }

    private Tensor Sdpa(Tensor q, Tensor k, Tensor v, int? slidingWindow)
    {
        // libtorch's fused kernel never materialises T x S scores. Without a cache the mask is plain causal;
        // a single new token with a cache sees every key. A sliding window that hides keys needs a banded mask.
        if (training is not null) return training.Attend(q, k, v);
        if (slidingWindow is not null) return RowBlockAttention.Causal(q, k, v, QueryOffset, slidingWindow);
        if (QueryOffset == 0) return nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        if (QueryCount == 1) return nn.functional.scaled_dot_product_attention(q, k, v);
        return RowBlockAttention.Causal(q, k, v, QueryOffset);
    }

    public void Dispose()
    {
        foreach (var t in new[] { queryCos, querySin, keyCos, keySin, farQueryCos, farQuerySin, farKeyCos, farKeySin, queryScale, fullLayerScale, alibiSlopes, sinkQueryCos, sinkQuerySin })
            t?.Dispose();
    }
}
