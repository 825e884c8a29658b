using System.Globalization;
using Eval.Core.Runtime;
using Eval.Torch.Checkpoints;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Zoo;
using static TorchSharp.torch;
using Eval.Torch.Training;

namespace Eval.Torch.Tests.Zoo;

public class ZooTrainingTests
{
    [Test]
    public void Train_MicroModelForAFewSteps_LossFallsAndCheckpointReloads()
    {
        string zoo = RepositoryPaths.Require("suites/zoo");
        string corpora = RepositoryPaths.Require("suites/corpora");
        string output = TinyCheckpoint.TempDirectory();
        try
        {
            var architecture = new LlamaArchitecture(VocabSize: 4096, HiddenSize: 32, Layers: 1, Heads: 2, KvHeads: 1, HeadDim: 16,
                IntermediateSize: 64, RmsNormEps: 1e-5, RopeTheta: 10000, TrainedLength: 64, TieWordEmbeddings: true);
            var spec = new ZooModelSpec("micro", architecture, new TrainingOptions(Steps: 40, BatchSize: 4, Length: 64,
                PeakLearningRate: 1e-2, MinLearningRate: 1e-3, WarmupSteps: 4, CheckpointEvery: 20));
            var card = new ZooBuilder(zoo, corpora).Train(spec, output, Path.Combine(output, "state"), steps: null, _ => { }, CancellationToken.None);

            var losses = File.ReadAllLines(Path.Combine(output, "training.log")).Skip(1)
                .Select(l => double.Parse(l.Split('\t')[1], CultureInfo.InvariantCulture)).ToList();
            Assert.That(losses, Has.Count.EqualTo(40));
            Assert.That(losses.TakeLast(5).Average(), Is.LessThan(losses.Take(5).Average() - 1.0), "loss falls");
            Assert.That(card.ValidationPerplexity, Is.GreaterThan(1).And.LessThan(4096));

            using var reloaded = TorchLanguageModel.Load(output, ScalarType.Float32);
            Assert.That(reloaded.Model.Shape, Is.EqualTo(architecture with { }));
            Assert.That(new ZooBuilder(zoo, corpora).ValidationPerplexity(reloaded).Perplexity, Is.EqualTo(card.ValidationPerplexity).Within(1e-6).Percent);
            Assert.That(File.ReadAllText(Path.Combine(output, "zoo.json")), Does.Contain("\"Name\": \"micro\""));
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    [Test]
    public void Train_Resumed_ContinuesFromTheSavedStep()
    {
        string zoo = RepositoryPaths.Require("suites/zoo");
        string output = TinyCheckpoint.TempDirectory();
        try
        {
            var tokenizer = Eval.Torch.Tokenization.ModelTokenizer.Load(zoo);
            var corpus = Enumerable.Range(0, 5000).Select(i => 3 + i % 500).ToArray();
            var architecture = new LlamaArchitecture(4096, 16, 1, 2, 2, 8, 32, 1e-5, 10000, 32, true);
            var options = new TrainingOptions(Steps: 6, BatchSize: 2, Length: 32, WarmupSteps: 2, CheckpointEvery: 3, PasskeyFraction: 0);
            TrainingBatches Batches() => new(corpus, new PasskeySequences(tokenizer).Next, 0, 32, 2);

            var straight = new LlamaForCausalLM(architecture);
            ZooInitializer.Initialize(straight, 1);
            new TrainingLoop(straight, Batches(), options, Path.Combine(output, "a")).Train(Eval.Core.Positional.StrategyRegistry.Create("default"), _ => { }, CancellationToken.None);

            var interrupted = new LlamaForCausalLM(architecture);
            ZooInitializer.Initialize(interrupted, 1);
            using var cancel = new CancellationTokenSource();
            new TrainingLoop(interrupted, Batches(), options, Path.Combine(output, "b")).Train(Eval.Core.Positional.StrategyRegistry.Create("default"),
                p => { if (p.Step == 3) cancel.Cancel(); }, cancel.Token);
            var resumed = new LlamaForCausalLM(architecture);
            ZooInitializer.Initialize(resumed, 99); // different init: everything must come from the saved state
            new TrainingLoop(resumed, Batches(), options, Path.Combine(output, "b")).Train(Eval.Core.Positional.StrategyRegistry.Create("default"), _ => { }, CancellationToken.None);

            foreach (var (name, p) in straight.named_parameters())
                Assert.That(p.allclose(resumed.get_parameter(name)!, rtol: 1e-5, atol: 1e-6), Is.True, name);
        }
        finally { Directory.Delete(output, recursive: true); }
    }
}
