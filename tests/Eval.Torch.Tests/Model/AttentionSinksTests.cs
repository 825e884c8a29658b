using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// sinks:start,window over a whole sequence against streaming-llm's own evaluation loop (eval_long_ppl.py with
/// enable_pos_shift): one token at a time through the ordinary cached forward pass, the cache cut back to the first
/// `start` and last `window` tokens after every step, each new query at the cache's length. The reference shares no
/// code with the sinks path (it runs the native strategy's plain cached attention).
/// </summary>
public class AttentionSinksTests
{
    static Tensor RandomIds(int length, int seed = 5)
    {
        manual_seed(seed);
        return randint(3, 4096, [1, length], dtype: ScalarType.Int64);
    }

    static Tensor TokenByTokenWithEvictingCache(LlamaForCausalLM model, Tensor ids, int start, int window)
    {
        using var noGrad = no_grad();
        var native = model.Architecture.NativeStrategy();
        using var cache = new KvCache(model.Architecture.Layers);
        var logits = new List<Tensor>();
        for (long t = 0; t < ids.shape[1]; t++)
        {
            var hidden = model.Hidden(ids[.., TensorIndex.Slice(t, t + 1)], native, cache);   // (1, 1, D)
            logits.Add(model.Logits(hidden));                                                   // (1, 1, V)
            cache.Evict(start, window);
        }
        return cat(logits, dim: 1);                                                             // (1, T, V)
    }

    static Tensor WholeSequence(LlamaForCausalLM model, Tensor ids, string strategy)
    {
        using var noGrad = no_grad();
        return model.Logits(model.Hidden(ids, StrategyRegistry.Create(strategy)));
    }

    [TestCase(PositionEncoding.Rope, 4, 6)]
    [TestCase(PositionEncoding.Rope, 0, 8)]
    [TestCase(PositionEncoding.Rope, 1, 1)]
    [TestCase(PositionEncoding.Alibi, 4, 6)]
    [TestCase(PositionEncoding.Alibi, 0, 8)]
    [TestCase(PositionEncoding.NoPE, 4, 6)]
    [TestCase(PositionEncoding.NoPE, 2, 9)]
    public void Sinks_WholeSequence_MatchesTokenByTokenEvictingCache(PositionEncoding encoding, int start, int window)
    {
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(encoding, trainedLength: 16));
        var ids = RandomIds(45);
        long budget = RowBlockAttention.ScoreBudget;
        RowBlockAttention.ScoreBudget = 4 * 7 * (start + window + 256L);   // 7-row blocks: sinks and windows cross block edges
        Tensor batched;
        try { batched = WholeSequence(model, ids, $"sinks:start={start},window={window}"); }
        finally { RowBlockAttention.ScoreBudget = budget; }
        var reference = TokenByTokenWithEvictingCache(model, ids, start, window);
        Assert.That((batched - reference).abs().max().item<float>(), Is.LessThan(1e-4f));
    }

    [Test]
    public void Sinks_WithoutReassignedPositions_IsNotWhatTheLoopComputes()
    {
        // The same visible keys at their true positions (cache kept, queries at their absolute position) differ from the
        // loop once tokens are evicted: re-assignment is what the reference does, and the sinks path must not skip it.
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(PositionEncoding.Rope, trainedLength: 16));
        var ids = RandomIds(30);
        var reference = TokenByTokenWithEvictingCache(model, ids, 2, 5);
        var batched = WholeSequence(model, ids, "sinks:start=2,window=5");
        var early = TensorIndex.Slice(0, 8);   // before any eviction (t <= start + window) both see every token exactly
        Assert.That(batched[.., early].allclose(WholeSequence(model, ids, "default")[.., early], rtol: 1e-4, atol: 1e-5), Is.True);
        Assert.That(batched.allclose(reference, rtol: 1e-4, atol: 1e-4), Is.True);
        Assert.That(batched.allclose(WholeSequence(model, ids, "default"), rtol: 1e-3, atol: 1e-3), Is.False);
    }

    [Test]
    public void Sinks_CachedGeneration_EqualsWholeSequence()
    {
        // Prompt then one token at a time with the cache kept whole (how passkey generation runs the strategy).
        using var scope = NewDisposeScope();
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(PositionEncoding.Rope, trainedLength: 16));
        var ids = RandomIds(36);
        var strategy = StrategyRegistry.Create("sinks:start=3,window=10");
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Architecture.Layers);
        var parts = new List<Tensor> { model.Logits(model.Hidden(ids[.., TensorIndex.Slice(0, 25)], strategy, cache)) };
        for (long t = 25; t < 36; t++) parts.Add(model.Logits(model.Hidden(ids[.., TensorIndex.Slice(t, t + 1)], strategy, cache)));
        Assert.That((cat(parts, dim: 1) - WholeSequence(model, ids, "sinks:start=3,window=10")).abs().max().item<float>(), Is.LessThan(1e-4f));
    }

    [Test]
    public void KvCache_Evict_KeepsFirstAndLastAndSetsTheNextPosition()
    {
        using var scope = NewDisposeScope();
        using var cache = new KvCache(1);
        var k = arange(10, dtype: ScalarType.Float32).view(1, 1, 10, 1);   // (B, nKV, S, hd): key s holds s
        cache.Append(0, k, k);
        cache.Advance(10);
        cache.Evict(3, 4);
        Assert.That(cache.Length, Is.EqualTo(7));
        var (keys, _) = cache.Append(0, full(1, 1, 1, 1, 99f), full(1, 1, 1, 1, 99f));
        Assert.That(keys.flatten().data<float>().ToArray(), Is.EqualTo(new float[] { 0, 1, 2, 6, 7, 8, 9, 99 }));
    }
}
