using Eval.Core.Suites;
using Eval.Tests.Fakes;

namespace Eval.Tests.Tuning;

/// <summary>tune: model entries in suites: a valid recipe becomes a derived model; a bad one is a suite error at its key's line.</summary>
public class TuneSuiteTests
{
    string root = "";

    [SetUp]
    public void CreateZoo() => root = TempZoo.Create("tune-suite-tests", ("rope-a", "rope"), ("alibi-a", "alibi"));

    [TearDown]
    public void Remove() => Directory.Delete(root, recursive: true);

    SuiteLoadResult Load(string models)
    {
        string path = Path.Combine(root, "suites", "s.yaml");
        File.WriteAllText(path, $"name: t\nmodels:\n{models}\nstrategies: [carried]\nlengths: [256, 1024]\ntasks: [perplexity]\n");
        return SuiteLoader.Load(path);
    }

    [Test]
    public void Load_TuneEntry_DerivesAModelThatCarriesTheTrainedScaling()
    {
        var result = Load("  - zoo:rope-a\n  - { tune: { from: zoo:rope-a, strategy: \"linear:factor=auto\", length: 1024, steps: 200 } }");

        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var tuned = result.Suite!.Models[1];
        Assert.That(tuned.Reference, Is.EqualTo("tune:rope-a+linear:factor=auto@1024x200"));
        Assert.That(tuned.Directory, Is.EqualTo(result.Suite.Models[0].Directory), "the source checkpoint it derives from");
        Assert.That(tuned.Tune!.Steps, Is.EqualTo(200));
        Assert.That(tuned.Strategies.Single().Spec.ToString(), Is.EqualTo("linear:factor=4"), "carried = what its config.json will say");
        Assert.That(tuned.ConfigTrainedLength, Is.EqualTo(256), "L0 stays the source's for a rope_scaling type");
    }

    [Test]
    public void Load_NamedBaseChange_UsesTheNameAndTheNewBase()
    {
        var result = Load("  - { tune: { from: zoo:rope-a, strategy: \"base:theta=50\", length: 256, steps: 10, batch: 8 }, name: base-50 }");

        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var tuned = result.Suite!.Models.Single();
        Assert.That(tuned.DisplayName, Is.EqualTo("base-50"));
        Assert.That(tuned.Strategies.Single().Spec.ToString(), Is.EqualTo("default"), "the base is in rope_theta, so carried is plain RoPE");
        Assert.That(tuned.Tune!.Batch, Is.EqualTo(8));
    }

    [TestCase("{ from: zoo:rope-a, strategy: yarnn, length: 1024, steps: 10 }", 2, "Unknown strategy \"yarnn\"", TestName = "Load_UnknownStrategy_IsAnErrorAtItsLine")]
    [TestCase("{ from: zoo:rope-a, strategy: rerope, length: 1024, steps: 10 }", 2, "cannot be tuned with", TestName = "Load_AttentionLevelStrategy_IsRefused")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 0, steps: 10 }", 2, "length \"0\" is not valid", TestName = "Load_ZeroLength_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 512, steps: -3 }", 2, "steps \"-3\" is not valid", TestName = "Load_NegativeSteps_IsAnError")]
    [TestCase("{ strategy: default, length: 512, steps: 10 }", 2, "needs \"from\"", TestName = "Load_MissingFrom_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 512 }", 2, "needs \"steps\"", TestName = "Load_MissingSteps_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 512, steps: 10, lr: 0 }", 2, "lr \"0\" is not valid", TestName = "Load_ZeroLearningRate_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 512, steps: 10, stepz: 3 }", 2, "Did you mean \"steps\"", TestName = "Load_UnknownRecipeKey_SuggestsTheNearest")]
    [TestCase("{ from: zoo:rope-b, strategy: default, length: 512, steps: 10 }", 2, "rope-b", TestName = "Load_MissingSourceModel_IsAnError")]
    [TestCase("{ from: zoo:alibi-a, strategy: \"linear:factor=4\", length: 512, steps: 10 }", 2, "Cannot tune model \"zoo:alibi-a\" (alibi positions)", TestName = "Load_RopeStrategyOnAlibiSource_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1000, steps: 10, attention: s2, group_ratio: 0.3 }", 2, "is not a group size that divides the length", TestName = "Load_S2GroupNotDividingTheLength_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, attention: s2, group_ratio: 1.5 }", 2, "group_ratio \"1.5\" is not valid", TestName = "Load_S2RatioAboveOne_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, attention: s2, group_ratio: 0 }", 2, "group_ratio \"0\" is not valid", TestName = "Load_S2RatioZero_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, attention: s2, group_ratio: -0.25 }", 2, "group_ratio \"-0.25\" is not valid", TestName = "Load_S2RatioNegative_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 12, steps: 10, attention: s2, group_ratio: 0.25 }", 2, "group size 3 is odd", TestName = "Load_S2OddShiftedGroup_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, attention: s3 }", 2, "attention \"s3\" is not valid. Valid: full, s2", TestName = "Load_UnknownAttention_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, shift: roll }", 2, "they need attention: s2", TestName = "Load_ShiftWithoutS2_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, method: qlora }", 2, "method \"qlora\" is not valid. Valid: full, lora, lora-plus", TestName = "Load_UnknownMethod_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, lora_rank: 4 }", 2, "need a LoRA method: lora, lora-plus, lora+embed or lora+norm", TestName = "Load_LoraRankWithFullTuning_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, method: lora, lora_rank: 0 }", 2, "lora_rank \"0\" is not valid", TestName = "Load_ZeroLoraRank_IsAnError")]
    [TestCase("{ from: zoo:rope-a, strategy: default, length: 1024, steps: 10, method: lora, lora_alpha: -1 }", 2, "lora_alpha \"-1\" is not valid", TestName = "Load_NegativeLoraAlpha_IsAnError")]
    [TestCase("{ from: zoo:alibi-a, strategy: alibi, length: 1024, steps: 10, attention: s2 }", 2, "S2-Attn is implemented for RoPE and NoPE", TestName = "Load_S2OnAlibi_IsAnError")]
    public void Load_BadRecipe_IsReportedWithFileAndLine(string recipe, int line, string message)
    {
        var result = Load($"  - zoo:rope-a\n  - {{ tune: {recipe} }}");

        Assert.That(result.Suite, Is.Null);
        var error = result.Errors.Single(e => e.Message.Contains(message));
        Assert.That(error.Line, Is.EqualTo(line + 2), error.ToString());
        Assert.That(error.File, Does.EndWith("s.yaml"));
    }

    [Test]
    public void Load_S2Recipe_KeepsItsGroupsAndChangesTheCacheKey()
    {
        var result = Load("  - { tune: { from: zoo:rope-a, strategy: \"linear:factor=4\", length: 1024, steps: 10, attention: s2, shift: roll } }\n" +
                          "  - { tune: { from: zoo:rope-a, strategy: \"linear:factor=4\", length: 1024, steps: 10 } }");

        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var (s2, full) = (result.Suite!.Models[0].Tune!, result.Suite.Models[1].Tune!);
        Assert.That((s2.GroupSize, s2.Shift), Is.EqualTo((256, "roll")));
        Assert.That(full.Canonical, Does.Not.Contain("attention"), "full attention adds nothing: keys of earlier tuned models stay");
        Assert.That(s2.CacheKey("fp"), Is.Not.EqualTo(full.CacheKey("fp")));
        Assert.That(result.Suite.Models[0].Reference, Is.Not.EqualTo(result.Suite.Models[1].Reference), "both listed, so their names differ");
    }

    [Test]
    public void Load_PathAndTuneTogether_IsAnError()
    {
        var result = Load("  - { path: zoo:rope-a, tune: { from: zoo:rope-a, strategy: default, length: 512, steps: 1 } }");

        Assert.That(result.Errors.Select(e => e.Message), Has.Some.Contains("either path or tune"));
    }
}
