using System.Text.Json;
using Eval.Core.Corpora;
using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Core.Tasks;
using Eval.Torch.Model;
using Eval.Torch.Zoo;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Zoo;

/// <summary>The committed zoo, loaded the way users load any checkpoint, behaves as a language model inside its training length.</summary>
public class ZooModelTests
{
    /// <summary>
    /// Held-out perplexity bound at the training length. Measured on carroll-alice (zoo.json): rope-10k 274.6, rope-500
    /// 268.8, rope-1m 249.0, alibi 263.3, nope 315.9; the models learn State of the Union and Bible prose, far from
    /// Carroll's, with 1.3M parameters.
    /// </summary>
    const double PerplexityCeiling = 400;

    /// <summary>The committed zoo models.</summary>
    static readonly string[] Expected = [.. ModelReference.ZooModels()];

    static string Zoo => RepositoryPaths.Require("suites/zoo");

    static TorchLanguageModel Load(string name) => TorchLanguageModel.Load(Path.Combine(Zoo, name), ScalarType.Float32);

    [Test]
    public void Zoo_EveryModelOfTheDefinition_IsCommittedWithItsCardAndLog()
    {
        Assert.That(Expected, Is.EquivalentTo(new[] { "rope-10k", "rope-500", "rope-1m", "alibi", "nope" }), "every model of zoo.yaml is committed");
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
}
