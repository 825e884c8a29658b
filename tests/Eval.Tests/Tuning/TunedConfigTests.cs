using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Tuning;

namespace Eval.Tests.Tuning;

/// <summary>
/// A tuned model's config.json carries what was trained: evaluated with "carried" after a write and a read, it uses
/// exactly the frequencies its tuning used (the strategy at the tuned length) at every evaluated length.
/// </summary>
public class TunedConfigTests
{
    static readonly ModelConfig Source = new("llama", 4096, 128, 4, 4, 2, 32, 352, 1e-5, 10000, 256, null, true, false, "rope", 1, [2], null, "bfloat16", null);

    static TuneRecipe Recipe(string strategy, int length = 1024) =>
        TuneRecipe.Parse(new Dictionary<string, string> { ["from"] = "zoo:x", ["strategy"] = strategy, ["length"] = length.ToString(), ["steps"] = "10" }).Recipe!;

    [TestCase("linear:factor=4")]
    [TestCase("linear:factor=auto")]
    [TestCase("ntk:factor=4")]
    [TestCase("ntk:factor=auto")]
    [TestCase("yarn:factor=4")]
    [TestCase("yarn:factor=auto,beta_fast=16")]
    [TestCase("dynamic:factor=4")]
    [TestCase("llama3:factor=4,low_freq_factor=1,high_freq_factor=4")]
    [TestCase("base:theta=50", 256)]
    [TestCase("base:theta=1000000", 256)]
    [TestCase("default")]
    public void Carried_AfterWriteAndRead_UsesTheTrainingFrequencies(string strategy, int length = 1024)
    {
        var recipe = Recipe(strategy, length);
        string path = Path.Combine(Path.GetTempPath(), $"tuned-config-{Guid.NewGuid():N}.json");
        ModelConfigReader.Write(path, TunedConfig.For(Source, recipe));
        var tuned = ModelConfigReader.Read(path);
        File.Delete(path);

        var training = ContextLengthStrategy.For(recipe.Strategy, recipe.Length).Frequencies(new RopeGeometry(32, 10000, 256), recipe.Length);
        var carried = StrategyRegistry.Create(tuned.CarriedStrategy ?? StrategySpec.Parse("default"));
        var geometry = new RopeGeometry(tuned.HeadDim, tuned.RopeTheta, tuned.TrainedLength);
        // As transformers reads it (TunedConfigTransformersTests): factor x L0 (here the tuned length) for the scaling
        // types, L0 for dynamic NTK, which takes it as the original length.
        Assert.That(tuned.MaxPositionEmbeddings, Is.EqualTo(carried.Spec.Name == "dynamic" ? 256 : length));
        // Dynamic scaling follows the running length by design; at the tuned length it matches training.
        foreach (int evaluated in carried.FollowsRunningLength ? [length] : new[] { 256, length, 4 * length })
        {
            var used = ContextLengthStrategy.For(carried, evaluated).Frequencies(geometry, evaluated);
            Assert.That(used.InverseFrequencies, Is.EqualTo(training.InverseFrequencies).Within(1e-12).Percent, $"{strategy} at {evaluated}");
            Assert.That(used.AttentionFactor, Is.EqualTo(training.AttentionFactor).Within(1e-12), $"{strategy} at {evaluated}");
        }
    }

    [Test]
    public void For_Linear_WritesHuggingFaceRopeScaling()
    {
        var tuned = TunedConfig.For(Source, Recipe("linear:factor=auto"));

        Assert.That(tuned.CarriedStrategy!.ToString(), Is.EqualTo("linear:factor=4"));
        Assert.That(tuned.OriginalMaxPositionEmbeddings, Is.EqualTo(256));
        Assert.That(tuned.TrainedLength, Is.EqualTo(256));
        Assert.That(tuned.RopeTheta, Is.EqualTo(10000));
    }

    [Test]
    public void For_Ntk_IsABaseChangeByTheNtkFormula()
    {
        // bloc97's NTK-aware scaling: theta * s^(d / (d - 2)) = 10000 * 4^(32/30), written out.
        Assert.That(TunedConfig.For(Source, Recipe("ntk:factor=4")).RopeTheta, Is.EqualTo(10000 * Math.Pow(4, 32.0 / 30)).Within(1e-9).Percent);
    }

    [Test]
    public void CacheKey_ChangesWithSourceRecipeAndHarnessVersion()
    {
        var recipe = Recipe("linear:factor=4");
        string key = recipe.CacheKey("source-a");

        Assert.That(recipe.CacheKey("source-a"), Is.EqualTo(key));
        Assert.That(recipe.CacheKey("source-b"), Is.Not.EqualTo(key));
        Assert.That(recipe.CacheKey("source-a", "0.0.1"), Is.Not.EqualTo(key));
        Assert.That((recipe with { Steps = 11 }).CacheKey("source-a"), Is.Not.EqualTo(key));
        Assert.That((recipe with { LearningRate = 1e-4 }).CacheKey("source-a"), Is.Not.EqualTo(key));
        Assert.That((recipe with { From = "elsewhere" }).CacheKey("source-a"), Is.EqualTo(key), "the source is its fingerprint, not its folder");
    }
}
