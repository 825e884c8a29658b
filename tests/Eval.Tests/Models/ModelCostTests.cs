using Eval.Core.Models;

namespace Eval.Tests.Models;

/// <summary>The cost of length against Llama-2-7B figures worked out by hand (written out here, not computed by the code).</summary>
public class ModelCostTests
{
    // Llama-2-7B's config.json: vocab 32000, hidden 4096, 32 layers, 32 heads (no GQA), head_dim 128, MLP 11008, untied.
    static readonly ModelConfig Llama2 = new("llama", 32000, 4096, 32, 32, 32, 128, 11008, 1e-5, 10000, 4096, null, false, false, "rope", 1, [2], null, "float16", null);

    [Test]
    public void Parameters_Llama2_7B_MatchTheHandCount()
    {
        var cost = new ModelCost(Llama2, 2);
        // embedding 32000 x 4096 = 131,072,000; head the same; per layer: q,k,v,o 4 x 4096^2 = 67,108,864,
        // MLP 3 x 4096 x 11008 = 135,266,304, two norms 8,192 -> 202,383,360 x 32 = 6,476,267,520; final norm 4,096.
        Assert.That(cost.EmbeddingParameters, Is.EqualTo(131_072_000));
        Assert.That(cost.HeadParameters, Is.EqualTo(131_072_000));
        Assert.That(cost.LayerParameters, Is.EqualTo(6_476_271_616));
        Assert.That(cost.TotalParameters, Is.EqualTo(6_738_415_616).Within(1).Percent, "Meta's 6.74B");
    }

    [Test]
    public void PerLength_Llama2_7B_At4096_MatchesTheHandCalculation()
    {
        var cost = new ModelCost(Llama2, 2);
        // Linear: 2 x (32 x (67,108,864 + 135,266,304) + 131,072,000) = 13,214,154,752 FLOPs a token.
        // Attention over a causal window of 4096: 2 (q k^T, p v) x 2 x 32 layers x 32 heads x 128 x 4096 x 4097 / 2 pairs.
        double linear = 13_214_154_752;
        double attention = 2.0 * 2 * 32 * 32 * 128 * (4096.0 * 4097 / 2);
        Assert.That(cost.LinearFlopsPerToken, Is.EqualTo(linear).Within(1).Percent);
        Assert.That(cost.AttentionFlopsPerWindow(4096), Is.EqualTo(attention).Within(1).Percent);
        Assert.That(cost.FlopsPerToken(4096), Is.EqualTo(14.288e9).Within(1).Percent, "about 2 x 6.6B + 1.07 GFLOP of attention");
        // KV cache: 2 x 32 layers x 32 heads x 128 x 4096 tokens x 2 bytes = 2 GiB (0.5 MiB a token).
        Assert.That(cost.KvCacheBytes(4096), Is.EqualTo(2L << 30));
        // One layer's scores, materialised: 32 heads x 4096^2 x 2 bytes = 1 GiB; fused: 32 x 4096 fp32 = 512 KiB.
        Assert.That(cost.MaterialisedScoreBytes(4096), Is.EqualTo(1L << 30));
        Assert.That(cost.FusedScoreBytes(4096), Is.EqualTo(512 * 1024));
    }

    [Test]
    public void Parameters_AttentionBiasAndLearnedPositions_AreCounted()
    {
        // q, k, v biases (Qwen 2 style; o has none): 128 x (32 + 2 x 32) = 12,288 a layer, x 32 = 393,216 more.
        Assert.That(new ModelCost(Llama2 with { AttentionBias = true }, 2).LayerParameters, Is.EqualTo(6_476_271_616 + 393_216));
        // A learned position table of max_position_embeddings rows: (32,000 + 4,096) x 4,096.
        Assert.That(new ModelCost(Llama2 with { PositionEncoding = "learned" }, 2).EmbeddingParameters, Is.EqualTo(147_849_216));
    }

    [Test]
    public void AttentionFlops_ShortWindows_CountEveryCausalPairOnce()
    {
        var cost = new ModelCost(Llama2, 2);
        double perPair = 2.0 * 2 * 32 * 32 * 128; // q k^T and p v, every layer and head
        Assert.That(cost.AttentionFlopsPerWindow(1), Is.EqualTo(perPair), "one token attends to itself");
        Assert.That(cost.AttentionFlopsPerWindow(2), Is.EqualTo(3 * perPair), "pairs (1,1), (2,1), (2,2)");
    }

    [Test]
    public void Attention_GrowsQuadraticallyWhileLinearCostStaysPerToken()
    {
        var cost = new ModelCost(Llama2, 2);
        Assert.That(cost.AttentionFlopsPerWindow(8192) / cost.AttentionFlopsPerWindow(4096), Is.EqualTo(4).Within(0.01));
        Assert.That(cost.FlopsPerWindow(8192) - cost.AttentionFlopsPerWindow(8192), Is.EqualTo(2 * (cost.FlopsPerWindow(4096) - cost.AttentionFlopsPerWindow(4096))).Within(1e-6).Percent);
    }

    [TestCase("float32", 4)]
    [TestCase("fp32", 4)]
    [TestCase("float", 4)]
    [TestCase("bfloat16", 2)]
    [TestCase("BF16", 2)]
    [TestCase("float16", 2)]
    [TestCase("fp16", 2)]
    [TestCase("half", 2)]
    [TestCase(null, 4)]
    public void BytesOf_KnownDtypes(string? dtype, int bytes) => Assert.That(ModelCost.BytesOf(dtype), Is.EqualTo(bytes));
}
