using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Per-layer cache of keys and values for greedy generation. Keys are stored before any rotation, so every
/// positional strategy (dual rotations, dynamic frequencies, ALiBi) can position them afresh at each step.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] keys;
    private readonly Tensor?[] values;

    public KvCache(int layers)
    {
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
    }

    /// <summary>Tokens cached so far (the position of the next token).</summary>
    public int Length { get; private set; }

    /// <summary>Appends this step's k, v (B, nKV, T, hd) for a layer; returns all cached (B, nKV, S, hd).</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        var allKeys = keys[layer] is { } oldK ? cat([oldK, k], dim: 2) : k.alias();
        var allValues = values[layer] is { } oldV ? cat([oldV, v], dim: 2) : v.alias();
        keys[layer]?.Dispose();
        values[layer]?.Dispose();
        keys[layer] = allKeys.DetachFromDisposeScope();
        values[layer] = allValues.DetachFromDisposeScope();
        return (allKeys.alias(), allValues.alias());
    }

    /// <summary>Called once per forward after all layers appended, to advance the position.</summary>
    public void Advance(int tokens) => Length += tokens;

    /// <summary>
    /// StreamingLLM's StartRecentKVCache: once more than <paramref name="start"/> + <paramref name="recent"/> tokens are
    /// cached, keep the first <paramref name="start"/> and the last <paramref name="recent"/>. The next token's position is
    /// then the cache's length (positions are slots in the cache, as their pos_shift patch assigns them).
    /// </summary>
    public void Evict(int start, int recent)
    {
        if (start < 0 || recent < 0) throw new ArgumentOutOfRangeException(nameof(start), "start and recent must be >= 0.");
        if (Length <= start + recent) return;
        for (int layer = 0; layer < keys.Length; layer++)
        {
            keys[layer] = Keep(keys[layer], start, recent);
            values[layer] = Keep(values[layer], start, recent);
        }
        Length = start + recent;
    }

    private Tensor? Keep(Tensor? cached, int start, int recent)
    {
        if (cached is null) return null;
        using var scope = NewDisposeScope();
        var kept = cat([cached[.., .., TensorIndex.Slice(0, start)], cached[.., .., TensorIndex.Slice(Length - recent, Length)]], dim: 2);   // (B, nKV, start + recent, hd)
        cached.Dispose();
        return kept.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var t in keys) t?.Dispose();
        foreach (var t in values) t?.Dispose();
    }
}
