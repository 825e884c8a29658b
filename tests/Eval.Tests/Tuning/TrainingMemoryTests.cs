using Eval.Core.Models;
using Eval.Core.Tuning;

namespace Eval.Tests.Tuning;

/// <summary>The training-memory estimate against a small config worked out by hand (written out here, not computed by the code).</summary>
public class TrainingMemoryTests
{
    // vocab 100, hidden 16, 2 layers, 4 heads over 2 kv heads (GQA), head_dim 4, MLP 32, tied, no bias, RoPE.
    static readonly ModelConfig Small = new("llama", 100, 16, 2, 4, 2, 4, 32, 1e-5, 10000, 64, null, true, false, "rope", 1, [2], null, "float32", null);

    static TuneRecipe Recipe(params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string> { ["from"] = "zoo:small", ["strategy"] = "default", ["length"] = "64", ["steps"] = "1", ["batch"] = "2" };
        foreach (var (key, value) in extra) values[key] = value;
        var (recipe, errors) = TuneRecipe.Parse(values);
        Assert.That(errors, Is.Empty);
        return recipe!;
    }

    [Test]
    public void Estimate_FullFineTuning_MatchesTheHandCount()
    {
        var memory = new TrainingMemory(Small, Recipe());

        // Parameters: embedding 100 x 16 = 1,600; per layer q,k,v,o 16 x 4 x (2 x 4 + 2 x 2) = 768, MLP 3 x 16 x 32 = 1,536,
        // norms 32 -> 2,336 x 2 = 4,672; final norm 16: 6,288 x 4 bytes = 25,152; gradients the same; AdamW twice that.
        Assert.That((memory.WeightBytes, memory.GradientBytes, memory.OptimizerBytes), Is.EqualTo((25_152L, 25_152L, 50_304L)));
        // Per token per layer: 10 x 16 + 4 x 32 + 4 x 16 + 3 x 8 + 2 x 16 (GQA repeat) = 408 values; 2 x 64 tokens, 3 layers (2 + backward's one).
        Assert.That(memory.ActivationValuesPerTokenPerLayer, Is.EqualTo(408));
        Assert.That(memory.ActivationBytes, Is.EqualTo(128L * 3 * 408 * 4));
        // Fused attention: one log-sum-exp per head = 4 values; head: 4 x 100 + 5 x 16 + 14 = 494 values a token.
        Assert.That(memory.ScoreBytes, Is.EqualTo(128L * 3 * 4 * 4));
        Assert.That(memory.HeadBytes, Is.EqualTo(128L * 494 * 4));
        Assert.That(memory.TotalBytes, Is.EqualTo(986_368 + (256L << 20)), "plus the runtime's fixed 256 MiB");
    }

    [Test]
    public void Estimate_Lora_CountsAdaptersAndTrainsOnlyThem()
    {
        var memory = new TrainingMemory(Small, Recipe(("method", "lora")));

        // Adapters of rank 8 on q (16 -> 16), k, v (16 -> 8), o (16 -> 16): 8 x (4 x 16 + 2 x 16 + 2 x 8) = 896 a layer, 1,792 in all.
        Assert.That(memory.AdapterParameters, Is.EqualTo(1_792));
        Assert.That((memory.WeightBytes, memory.GradientBytes, memory.OptimizerBytes), Is.EqualTo(((6_288L + 1_792) * 4, 1_792L * 4, 1_792L * 8)));
        // Activations gain 4 x 8 + 2 x (16 + 2 x 8 + 16) = 128 values: 536 a token and layer.
        Assert.That(memory.ActivationValuesPerTokenPerLayer, Is.EqualTo(536));
        Assert.That(memory.TotalBytes, Is.EqualTo(32_320 + 7_168 + 14_336 + 128L * 3 * 536 * 4 + 6_144 + 252_928 + (256L << 20)));
    }

    [Test]
    public void Estimate_LoraPlus_AlsoTrainsEmbeddingsAndNorms() =>
        // 1,792 adapter parameters + 1,600 embedding + 5 norms x 16.
        Assert.That(new TrainingMemory(Small, Recipe(("method", "lora-plus"))).TrainableParameters, Is.EqualTo(1_792 + 1_600 + 80));

    [TestCase("lora-plus", 1_600 + 80, 1_600)]
    [TestCase("lora+embed", 1_600, 1_600)]
    [TestCase("lora+norm", 80, 0)]
    public void Estimate_LoraPlusAndItsAblations_TrainTheirPartsAndHoldAnUntiedHeadWhenEmbeddingsTrain(string method, long trained, long head)
    {
        // Small ties its 100 x 16 embeddings: training them untie a frozen 1,600-value copy as the output head.
        var memory = new TrainingMemory(Small, Recipe(("method", method)));
        Assert.That((memory.TrainableParameters, memory.UntiedHeadParameters), Is.EqualTo((1_792 + trained, head)));
        Assert.That(memory.WeightBytes, Is.EqualTo((6_288L + 1_792 + head) * 4));
        Assert.That(new TrainingMemory(Small with { TieWordEmbeddings = false }, Recipe(("method", method))).UntiedHeadParameters, Is.Zero, "an untied source has its head");
    }

    [Test]
    public void Estimate_S2Attention_KeepsEachGroupsScores()
    {
        // G = 0.25 x 64 = 16: 2 x 4 heads x 16 + 16 (the regrouped copy) = 144 values a token and layer.
        var memory = new TrainingMemory(Small, Recipe(("attention", "s2")));
        Assert.That(memory.ScoreBytes, Is.EqualTo(128L * 3 * 144 * 4));
    }

    [Test]
    public void Estimate_Alibi_KeepsExplicitScoresOverTheWholeRow()
    {
        // ALiBi's mask forces explicit scores: 4 heads x 64 keys = 256 values a token and layer.
        var memory = new TrainingMemory(Small with { PositionEncoding = "alibi" }, Recipe(("strategy", "alibi")));
        Assert.That(memory.ScoreBytes, Is.EqualTo(128L * 3 * 256 * 4));
    }

    [Test]
    public void Problem_Fits_IsNull() => Assert.That(new TrainingMemory(Small, Recipe()).Problem("tiny", 986_368 + (256L << 20)), Is.Null);

    [Test]
    public void Problem_TooLarge_GivesEstimateLimitAndALengthThatFits()
    {
        // Batch 2 x 4096: 8,192 tokens x (3 x (408 + 4) + 494) x 4 bytes + 100,608 bytes of weights, gradients and state = 56,789,248 bytes,
        // plus the runtime's 256 MiB.
        var memory = new TrainingMemory(Small, Recipe(("length", "4096")));
        Assert.That(memory.TotalBytes, Is.EqualTo(56_789_248 + (256L << 20)));

        // Under 256 + 16 MiB: at batch 1, 2,048 tokens need 2,048 x 1,730 x 4 + 100,608 = 14,272,768 bytes; 4,096 would need 28.4 MB.
        string? problem = memory.Problem("tiny", 272L << 20);
        Assert.That(problem, Is.EqualTo("Tuning tiny needs an estimated 310.2 MiB (weights 0.0 MiB, gradients 0.0 MiB, AdamW state 0.0 MiB, " +
            "activations 38.2 MiB, attention 0.4 MiB, logits 15.4 MiB, runtime 256.0 MiB at batch 2 x length 4096) but this machine allows 272.0 MiB: " +
            "lower length (now 4096) or batch (now 2); at batch 1 a length of 2048 fits."));
    }

    [Test]
    public void Problem_WeightsAloneTooLarge_SaysSo() =>
        Assert.That(new TrainingMemory(Small, Recipe()).Problem("tiny", 256L << 20), Does.Contain("even length 2 at batch 1 does not fit"));
}
