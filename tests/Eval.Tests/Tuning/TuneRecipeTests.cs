using Eval.Core.Tuning;

namespace Eval.Tests.Tuning;

/// <summary>TuneRecipe.Parse figures that no suite test pins: the warm-up is clamped to the steps (issue #23 survivor).</summary>
public class TuneRecipeTests
{
    static TuneRecipe Parse(string steps, string warmup)
    {
        var (recipe, errors) = TuneRecipe.Parse(new Dictionary<string, string>
        {
            ["from"] = "zoo:rope-a", ["strategy"] = "linear:factor=4", ["length"] = "128", ["steps"] = steps, ["warmup"] = warmup,
        });
        Assert.That(errors, Is.Empty);
        return recipe!;
    }

    [Test]
    public void Parse_WarmupAboveSteps_ClampsWarmupToSteps() =>
        Assert.That(Parse(steps: "10", warmup: "50").WarmupSteps, Is.EqualTo(10));

    [Test]
    public void Parse_WarmupBelowSteps_KeepsWarmup() =>
        Assert.That(Parse(steps: "10", warmup: "3").WarmupSteps, Is.EqualTo(3));

    static IReadOnlyList<(string Key, string Message)> Errors(string length, string batch, string steps = "10", string lr = "3e-4") =>
        TuneRecipe.Parse(new Dictionary<string, string>
        {
            ["from"] = "zoo:rope-a", ["strategy"] = "linear:factor=4", ["length"] = length, ["batch"] = batch, ["steps"] = steps, ["lr"] = lr,
        }).Errors;

    [Test]
    public void Parse_BatchTimesLengthOverOneMebitoken_IsBatchError() =>
        // 1024 x 1025 = 1,049,600 tokens a step > 2^20 = 1,048,576
        Assert.That(Errors(length: "1024", batch: "1025").Select(e => e.Key), Is.EqualTo(new[] { "batch" }));

    [Test]
    public void Parse_BatchTimesLengthExactlyOneMebitoken_IsAccepted() =>
        Assert.That(Errors(length: "1024", batch: "1024"), Is.Empty);

    [Test]
    public void Parse_OneStep_IsAccepted() =>
        Assert.That(Errors(length: "128", batch: "2", steps: "1"), Is.Empty);

    [Test]
    public void Parse_LearningRateAboveOne_IsLrError() =>
        Assert.That(Errors(length: "128", batch: "2", lr: "1.5").Select(e => e.Key), Is.EqualTo(new[] { "lr" }));

    [Test]
    public void Parse_LearningRateOne_IsAccepted() =>
        Assert.That(Errors(length: "128", batch: "2", lr: "1"), Is.Empty);

    // Edges the Tuning run's survivors named (tests/mutation/SURVIVORS.md): every listed key and option accepted, the
    // inclusive ceilings, NaN learning rates, and S2-Attn's group checks at their boundaries.
    static IReadOnlyList<(string Key, string Message)> ErrorsOf(params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string> { ["from"] = "zoo:rope-a", ["strategy"] = "linear:factor=4", ["length"] = "128", ["steps"] = "10" };
        foreach (var (key, value) in extra) values[key] = value;
        return TuneRecipe.Parse(values).Errors;
    }

    /// <summary>Issue #33: S2-Attn's groups are not defined under a sliding window that hides keys at the tuned length.</summary>
    [Test]
    public void SourceProblem_S2OnASourceWhoseSlidingWindowIsShorterThanTheLength_NamesTheField()
    {
        TuneRecipe Recipe(string attention) => TuneRecipe.Parse(new Dictionary<string, string>
        {
            ["from"] = "zoo:mistral-a", ["strategy"] = "default", ["length"] = "128", ["steps"] = "10", ["attention"] = attention,
        }).Recipe!;
        Assert.That(Recipe("s2").SourceProblem("rope", 64), Does.Contain("Cannot tune model \"zoo:mistral-a\" with attention: s2 at length 128: its config.json's sliding_window is 64"));
        Assert.That(Recipe("s2").SourceProblem("rope", 128), Is.Null, "a window of the whole row hides nothing");
        Assert.That(Recipe("s2").SourceProblem("rope", null), Is.Null);
        Assert.That(Recipe("full").SourceProblem("rope", 64), Is.Null, "full attention keeps the window");
    }

    [Test]
    public void Parse_EveryDocumentedKeyAtOnce_IsAccepted() =>
        // The 14 keys of the README's recipe table, each valid together (s2 for group_ratio/shift, lora for the LoRA keys).
        Assert.That(ErrorsOf(("lr", "1e-4"), ("batch", "2"), ("seed", "7"), ("warmup", "5"), ("attention", "s2"), ("group_ratio", "0.25"),
            ("shift", "roll"), ("method", "lora"), ("lora_rank", "4"), ("lora_alpha", "8")), Is.Empty);

    [TestCase("segments")]
    [TestCase("roll")]
    [TestCase("none")]
    public void Parse_EachShift_IsAccepted(string shift) =>
        Assert.That(ErrorsOf(("attention", "s2"), ("shift", shift)), Is.Empty);

    [TestCase("default")]
    [TestCase("base:theta=20000")]
    [TestCase("linear:factor=2")]
    [TestCase("ntk:factor=2")]
    [TestCase("dynamic:factor=2")]
    [TestCase("yarn:factor=2")]
    [TestCase("llama3:factor=2")]
    [TestCase("longrope:short_factor=1|1,long_factor=2|2")]
    [TestCase("alibi")]
    [TestCase("nope")]
    public void Parse_EachTunableStrategy_IsAccepted(string strategy) =>
        Assert.That(ErrorsOf(("strategy", strategy)), Is.Empty);

    [TestCase("full")]
    [TestCase("lora")]
    [TestCase("lora-plus")]
    [TestCase("lora+embed")]
    [TestCase("lora+norm")]
    public void Parse_EachMethod_IsAccepted(string method) =>
        Assert.That(ErrorsOf(("method", method)), Is.Empty);

    [Test]
    public void Parse_LearningRateNaN_IsLrError() =>
        // NaN passes both "<= 0" and "> 1" as false; only the finiteness check rejects it.
        Assert.That(ErrorsOf(("lr", "NaN")).Select(e => e.Key), Is.EqualTo(new[] { "lr" }));

    [Test]
    public void Parse_MaximumLengthAndSteps_AreAccepted() =>
        // 2^20 tokens a row, batch 1: exactly the 2^20 tokens a step allowed; 10^6 steps.
        Assert.That(ErrorsOf(("length", "1048576"), ("batch", "1"), ("steps", "1000000")), Is.Empty);

    [Test]
    public void Parse_LengthOneAboveMaximum_IsLengthError() =>
        Assert.That(ErrorsOf(("length", "1048577"), ("batch", "1")).Select(e => e.Key), Is.EqualTo(new[] { "length" }));

    [Test]
    public void Parse_GroupRatioOne_IsAccepted() =>
        // G = 1 x 128 = 128: one group the whole row, even, divides the length.
        Assert.That(ErrorsOf(("attention", "s2"), ("group_ratio", "1")), Is.Empty);

    [Test]
    public void Parse_GroupOfTwo_IsAccepted() =>
        // G = 0.25 x 8 = 2: the smallest group, even.
        Assert.That(ErrorsOf(("length", "8"), ("attention", "s2"), ("group_ratio", "0.25")), Is.Empty);

    [Test]
    public void Parse_GroupOfOne_IsGroupRatioError() =>
        // G = 0.25 x 4 = 1, even with no shift (so only the G >= 2 check can reject it).
        Assert.That(ErrorsOf(("length", "4"), ("attention", "s2"), ("group_ratio", "0.25"), ("shift", "none")).Select(e => e.Key),
            Is.EqualTo(new[] { "group_ratio" }));

    [Test]
    public void Parse_WholeGroupNotDividingTheLength_IsGroupRatioError() =>
        // G = 0.4 x 10 = 4, a whole even number, but 10 % 4 = 2.
        Assert.That(ErrorsOf(("length", "10"), ("attention", "s2"), ("group_ratio", "0.4")).Select(e => e.Key), Is.EqualTo(new[] { "group_ratio" }));

    [Test]
    public void Parse_OddGroupWithoutShift_IsAccepted() =>
        // G = 0.25 x 12 = 3: odd is only a problem when half the heads shift by G/2.
        Assert.That(ErrorsOf(("length", "12"), ("attention", "s2"), ("group_ratio", "0.25"), ("shift", "none")), Is.Empty);

    static TuneRecipe Recipe(params (string Key, string Value)[] more)
    {
        var parameters = new Dictionary<string, string> { ["from"] = "zoo:rope-a", ["strategy"] = "linear:factor=4", ["length"] = "128", ["steps"] = "10" };
        foreach (var (key, value) in more) parameters[key] = value;
        var (recipe, errors) = TuneRecipe.Parse(parameters);
        Assert.That(errors, Is.Empty);
        return recipe!;
    }

    [Test]
    public void Canonical_LoraRecipes_DifferInTheirLoraSettings_AndFullTuningAddsNothing()
    {
        // The canonical line is part of the tuned model's cache key: two LoRA ranks must never share a tuned model.
        var rank8 = Recipe(("method", "lora"), ("lora_rank", "8"));
        var rank16 = Recipe(("method", "lora"), ("lora_rank", "16"));
        Assert.That(rank8.Canonical, Does.EndWith($";method=lora;lora_rank=8;lora_alpha={rank8.LoraAlpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));
        Assert.That(rank8.CacheKey("fp"), Is.Not.EqualTo(rank16.CacheKey("fp")));
        Assert.That(Recipe().Canonical, Does.Not.Contain("method"), "keys of fully tuned models from before LoRA stay the same");
    }

    [Test]
    public void Canonical_LoraPlus_SaysItsHeadIsFrozen_SoModelsTunedWithATrainedTiedHeadAreNotReused()
    {
        Assert.That(Recipe(("method", "lora-plus")).Canonical, Does.EndWith(";head=frozen"));
        Assert.That(Recipe(("method", "lora+embed")).Canonical, Does.EndWith(";head=frozen"));
        Assert.That(Recipe(("method", "lora+norm")).Canonical, Does.Not.Contain("head"), "the embeddings do not train: the head stays tied");
        Assert.That(Recipe(("method", "lora")).Canonical, Does.Not.Contain("head"));
    }

    [Test]
    public void DisplayName_NamesTheMethodUnlessFullTuning()
    {
        Assert.That(Recipe(("method", "lora")).DisplayName("rope-a"), Is.EqualTo("rope-a+linear:factor=4@128x10+lora"));
        Assert.That(Recipe().DisplayName("rope-a"), Is.EqualTo("rope-a+linear:factor=4@128x10"));
    }

    [TestCase("gpt_neox")]
    [TestCase("gpt2")]
    [TestCase("phi3")]
    [TestCase("bloom")]
    public void SourceProblem_AFamilyTheTunerDoesNotImplement_IsNamed(string modelType)
    {
        Assert.That(Recipe().SourceProblem("rope", null, modelType), Does.Contain($"(model_type {modelType}): fine-tuning").And.Contain("llama, mistral and qwen2"));
        Assert.That(Recipe().SourceProblem("rope", null, "qwen2"), Is.Null);
    }
}
