using System.Text.Json;
using Eval.Core.Corpora;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Core.Tasks;
using Eval.Torch.Model;
using Eval.Torch.Zoo;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Zoo;

/// <summary>
/// The committed zoo, loaded the way users load any checkpoint: it works inside its training length, and the
/// failure the field studies is really there beyond it.
/// </summary>
public class ZooModelTests
{
    /// <summary>Held-out perplexity bound at the training length, from the trained models' measured 60-110 (zoo.json).</summary>
    const double PerplexityCeiling = 150;

    static readonly string[] Expected = ["rope-10k", "rope-500", "rope-1m", "alibi", "nope"];

    static string Zoo => RepositoryPaths.Require("suites/zoo");

    static TorchLanguageModel Load(string name) => TorchLanguageModel.Load(Path.Combine(Zoo, name), ScalarType.Float32);

    [Test]
    public void Zoo_EveryModelOfTheDefinition_IsCommittedWithItsCardAndLog()
    {
        Assert.That(ModelReference.ZooModels(), Is.SupersetOf(Expected));
        foreach (string name in Expected)
        {
            string folder = Path.Combine(Zoo, name);
            Assert.That(new FileInfo(Path.Combine(folder, "model.safetensors")).Length, Is.LessThan(8L << 20), $"{name} is at most 8 MB");
            Assert.That(File.Exists(Path.Combine(folder, "training.log")), Is.True);
            var card = JsonSerializer.Deserialize<ZooCard>(File.ReadAllText(Path.Combine(folder, "zoo.json")))!;
            Assert.That(card.Command, Does.StartWith($"eval zoo train {name}"));
        }
    }

    [TestCaseSource(nameof(Expected))]
    public void HeldOutPerplexity_AtTrainingLength_IsFiniteAndBelowCeiling(string name)
    {
        using var model = Load(name);
        var (ppl, tokens) = new ZooBuilder(Zoo, RepositoryPaths.Require("suites/corpora")).ValidationPerplexity(model);
        Assert.That(tokens, Is.GreaterThan(4000));
        Assert.That(ppl, Is.GreaterThan(1).And.LessThan(PerplexityCeiling));
    }

    [TestCaseSource(nameof(Expected))]
    public void Passkey_AtTrainingLength_IsRetrievedAtLeast90Percent(string name)
    {
        using var model = Load(name);
        var task = new PasskeyTask(new Dictionary<string, string> { ["depths"] = "0|0.25|0.5|0.75|1", ["trials"] = "4" });
        var result = task.Run(model, model.TrainedLength, seed: 2024, null, CancellationToken.None);
        Assert.That(result.Metrics.Single(m => m.Name == "accuracy").Value, Is.GreaterThanOrEqualTo(0.9),
            string.Join("\n", result.Series.Where(s => s.Y == 0).Select(s => s.ExtraJson)));
    }

    [TestCaseSource(nameof(Expected))]
    public void LossByPosition_InsideTrainingLength_DoesNotRiseAlongTheWindow(string name)
    {
        using var model = Load(name);
        var documents = DocumentSource.Load(DocumentSource.BundledPath());
        var result = new PerplexityTask(new Dictionary<string, string> { ["protocol"] = "chunks", ["documents"] = "4", ["windows"] = "8", ["buckets"] = "8" }, () => documents)
            .Run(model, model.TrainedLength, 1, null, CancellationToken.None);
        double[] buckets = result.Series.Where(s => s.Series == "position_nll").Select(s => s.Y).ToArray();
        Assert.That(buckets, Has.Length.EqualTo(8));
        // More context never hurts inside the training length: the later half is no worse than the first.
        Assert.That(buckets[4..].Average(), Is.LessThanOrEqualTo(buckets[..4].Average()), string.Join(", ", buckets.Select(b => b.ToString("F2"))));
        Assert.That(buckets[4..].Max() - buckets[4..].Min(), Is.LessThan(0.5), "flat: the later buckets agree within half a nat");
    }

    [Test]
    public void RopeBase10k_WithoutStrategy_PerplexityAt8xIsAtLeastTwiceThatAtTrainingLength()
    {
        using var model = Load("rope-10k");
        var documents = DocumentSource.Load(DocumentSource.BundledPath());
        double Ppl(int length) => new PerplexityTask(new Dictionary<string, string> { ["protocol"] = "chunks", ["documents"] = "2", ["windows"] = "2" }, () => documents)
            .Run(model, length, 1, null, CancellationToken.None).Metrics.Single(m => m.Name == "ppl").Value;
        model.Strategy = StrategyRegistry.Create("default");
        double atTraining = Ppl(model.TrainedLength), at8x = Ppl(8 * model.TrainedLength);
        Assert.That(at8x, Is.GreaterThanOrEqualTo(2 * atTraining), $"ppl {atTraining:F1} at L0, {at8x:F1} at 8 L0");
    }
}
