using System.Text.Json;
using Eval.Core.Corpora;
using Eval.Core.Models;
using Eval.Core.Runtime;
using Eval.Core.Results;
using Eval.Core.Suites;
using Eval.Core.Tasks;
using Eval.Torch.Model;
using Eval.Torch.Zoo;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Zoo;

/// <summary>The committed zoo, loaded the way users load any checkpoint, behaves as a language model inside its training length.</summary>
public class ZooModelTests
{
    /// <summary>
    /// Held-out perplexity bound at the training length. Measured on carroll-alice (zoo.json): rope-10k 260.7, rope-500
    /// 253.2, rope-1m 253.9, alibi 254.2, nope 318.9; the models learn State of the Union and Bible prose, far from
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
        Assert.That(Expected, Is.EquivalentTo(new[] { "rope-10k", "rope-500", "rope-1m", "alibi", "nope", "sinusoidal", "learned", "kerple", "xpos", "hwfa" }),
            "the committed zoo models");
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

    /// <summary>
    /// Retrieval inside the training length, the premise of every passkey figure beyond it: the task's default depth
    /// grid (0, 0.1, ..., 1) with 2 seeded keys per depth, greedy generation, exact match. Measured: 22 of 22 for all
    /// ten (kerple, xpos and hwfa too), the absolute-position pair included since its rows put the key where the task asks (f2ecba8; before that
    /// they retrieved 12 of 22). The issue asks for 90%.
    /// </summary>
    [TestCaseSource(nameof(Expected))]
    public void Passkey_AtTrainingLength_IsRetrieved(string name) => AssertPasskeyAtTrainingLength(name, 0.9);

    static void AssertPasskeyAtTrainingLength(string name, double atLeast)
    {
        using var model = Load(name);
        var result = new PasskeyTask(new Dictionary<string, string> { ["trials"] = "2" }).Run(model, model.TrainedLength, 1, null, CancellationToken.None);
        var misses = result.Series.Where(s => s.Y == 0).Select(s => s.ExtraJson);
        Assert.That(result.Metrics.Single(m => m.Name == "accuracy").Value, Is.GreaterThanOrEqualTo(atLeast), string.Join("\n", misses));
    }

    /// <summary>
    /// The failure the field studies is really there: RoPE base 10,000 with no strategy retrieves every passkey at its
    /// training length and none at 4x (at 2x still 55% of 11 keys), and its language model breaks past L0. The issue's
    /// figure is taken on held-out text of its training distribution (the 22 State of the Union addresses kept out of
    /// training, suites/zoo/held-out.yaml) with sliding windows of stride 256, the PI and YaRN papers' protocol:
    /// measured ppl 72.7 at 256 and 165.0 at 2048, 2.27x. Scored in chunks instead (every position of each window,
    /// the first L0 of them in range) the same first 2,048 tokens of each address give 73.4 and 145.9, 1.99x. On the
    /// bundled books (chunks, 4 books x 2 windows) 343.4 and 465.1, 1.35x, with the tokens past 512 about 0.4 nats
    /// above the first 256: this model draws little on context in books it was not trained on, so there is less to lose.
    /// </summary>
    [Test]
    public void RopeBase10k_NoStrategy_BeyondTrainingLength_LosesPasskeyAndPerplexity()
    {
        using var model = Load("rope-10k");
        int l0 = model.TrainedLength;
        double Passkey(int length) => new PasskeyTask(new Dictionary<string, string> { ["trials"] = "1" })
            .Run(model, length, 1, null, CancellationToken.None).Metrics.Single(m => m.Name == "accuracy").Value;
        // Retrieval at L0 is Passkey_AtTrainingLength_IsRetrieved's; here it must be gone at 4x.
        Assert.That(Passkey(4 * l0), Is.LessThanOrEqualTo(0.2), "retrieval breaks past the training length");

        static double Ppl(TaskResult result) => result.Metrics.Single(m => m.Name == "ppl").Value;

        var books = DocumentSource.Load(DocumentSource.BundledPath());
        var onBooks = new PerplexityTask(new Dictionary<string, string> { ["protocol"] = "chunks", ["documents"] = "4", ["windows"] = "2", ["buckets"] = "8" }, () => books);
        double atL0 = Ppl(onBooks.Run(model, l0, 1, null, CancellationToken.None));
        var at8x = onBooks.Run(model, 8 * l0, 1, null, CancellationToken.None);
        double[] buckets = at8x.Series.Where(s => s.Series == "position_nll").Select(s => s.Y).ToArray(); // 8 buckets of L0 tokens
        Assert.That(Ppl(at8x), Is.GreaterThan(1.2 * atL0), $"ppl {atL0:F1} at L0");
        Assert.That(buckets[2..].Average(), Is.GreaterThan(buckets[0] + 0.3), string.Join(", ", buckets.Select(b => b.ToString("F2"))));

        // The figure: held-out text of the training distribution, measured by suites/zoo/held-out.yaml's own task and seed.
        var suite = SuiteLoader.Load(RepositoryPaths.Require("suites/zoo/held-out.yaml")).Suite!;
        var heldOutTask = suite.Tasks.Single();
        var heldOut = DocumentSource.Load(RepositoryPaths.Require(heldOutTask.Parameters["corpus"]));
        var onHeldOut = TaskRegistry.Create(heldOutTask.Name, heldOutTask.Parameters, () => heldOut);
        double heldOutL0 = Ppl(onHeldOut.Run(model, l0, suite.Seed, null, CancellationToken.None));
        Assert.That(Ppl(onHeldOut.Run(model, 8 * l0, suite.Seed, null, CancellationToken.None)), Is.GreaterThanOrEqualTo(2 * heldOutL0),
            $"ppl {heldOutL0:F1} at L0 on the held-out addresses");
    }
    /// <summary>
    /// StreamingLLM on the default suite's perplexity task (held-out addresses, sliding, 1 document x 2 windows) for
    /// rope-10k at 16x: measured ppl 86.1 at L0, no strategy 196.8 (2.29x), sinks:start=4,window=251 95.3 (1.11x; on the
    /// same tokens as an L0 run, eval score over two addresses, 0.99x), and window attention alone (start=0,window=255)
    /// 94.7. Sinks keep the model near its L0 perplexity; the paper's collapse without them does NOT reproduce at zoo
    /// scale (held here so that a zoo where it does is noticed and the README changed).
    /// </summary>
    [Test]
    public void Sinks_AtSixteenTimesL0_StayNearL0_AndWindowAttentionAloneDoesNotCollapseAtZooScale()
    {
        using var model = Load("rope-10k");
        int l0 = model.TrainedLength;
        var suite = SuiteLoader.Load(RepositoryPaths.Require("suites/quick.yaml")).Suite!;
        var task = suite.Tasks.Single(t => t.Name == "perplexity");
        var documents = DocumentSource.Load(RepositoryPaths.Require(task.Parameters["corpus"]));
        var perplexity = TaskRegistry.Create(task.Name, task.Parameters, () => documents);
        double Ppl(string strategy, int length)
        {
            model.Strategy = Eval.Core.Positional.ContextLengthStrategy.For(Eval.Core.Positional.StrategyRegistry.Create(strategy), length);
            return perplexity.Run(model, length, suite.Seed, null, CancellationToken.None).Metrics.Single(m => m.Name == "ppl").Value;
        }
        double atL0 = Ppl("default", l0);
        double sinks = Ppl("sinks:start=4,window=251", 16 * l0), window = Ppl("sinks:start=0,window=255", 16 * l0);
        Assert.That(Ppl("default", 16 * l0), Is.GreaterThan(2 * atL0), "without a strategy RoPE breaks");
        Assert.That(sinks, Is.LessThan(1.15 * atL0), $"ppl {atL0:F1} at L0");
        Assert.That(window, Is.EqualTo(sinks).Within(3).Percent, "window attention alone: no collapse on the zoo");
    }
}
