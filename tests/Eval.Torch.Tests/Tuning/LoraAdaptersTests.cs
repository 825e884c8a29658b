using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tuning;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Tuning;

/// <summary>LoRA on q, k, v, o: a fresh adapter changes nothing, gradients reach only what trains, merging keeps the function.</summary>
public class LoraAdaptersTests
{
    static readonly IPositionalStrategy Strategy = StrategyRegistry.Create("default");

    [Test]
    public void Fresh_AdaptersChangeNothing()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true));
        var ids = randint(0, 4096, [1, 16]);
        var before = model.Hidden(ids, Strategy);
        using var adapters = new LoraAdapters(model, rank: 4, alpha: 8, seed: 3);
        Assert.That((model.Hidden(ids, Strategy) - before).abs().max().item<float>(), Is.EqualTo(0f), "B starts at zero");
    }

    [Test]
    public void Merge_AfterTheAdaptersMoved_EqualsTheUnmergedModel()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true, kvHeads: 2));
        using var adapters = new LoraAdapters(model, rank: 4, alpha: 8, seed: 3);
        using (no_grad())
            foreach (var p in adapters.parameters()) p.add_(randn_like(p) * 0.1); // as if trained
        var ids = randint(0, 4096, [2, 16]);
        var unmerged = model.Logits(model.Hidden(ids, Strategy));

        adapters.Merge();
        var merged = model.Logits(model.Hidden(ids, Strategy));
        Assert.That(model.modules().OfType<LlamaAttention>().All(a => a.Adapter is null), "merged: the model runs without adapters");
        Assert.That((merged - unmerged).abs().max().item<float>(), Is.LessThan(1e-4f));
        Assert.That(unmerged.abs().max().item<float>(), Is.GreaterThan(0.1f));
    }

    [TestCase("lora")]
    [TestCase("lora-plus")]
    public void Backward_ReachesOnlyWhatTheMethodTrains(string method)
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: true));
        foreach (var (name, p) in model.named_parameters())
            p.requires_grad = method == "lora-plus" && (name.EndsWith("embed_tokens.weight") || name.Contains("norm"));
        using var adapters = new LoraAdapters(model, rank: 4, alpha: 8, seed: 3);
        using (no_grad())
            foreach (var p in adapters.parameters()) p.add_(randn_like(p) * 0.1);

        var ids = randint(0, 4096, [2, 16]);
        model.Logits(model.Hidden(ids, Strategy)).logsumexp(-1).sum().backward();

        var reached = model.named_parameters().Where(p => p.parameter.grad is not null && p.parameter.grad.abs().sum().item<float>() > 0).Select(p => p.name).ToList();
        var expected = method == "lora" ? Array.Empty<string>()
            : model.named_parameters().Select(p => p.name).Where(n => n.EndsWith("embed_tokens.weight") || n.Contains("norm")).ToArray();
        Assert.That(reached, Is.EquivalentTo(expected));
        Assert.That(adapters.parameters().All(p => p.grad is not null && p.grad.abs().sum().item<float>() > 0), "every adapter matrix trains");
        Assert.That(adapters.parameters().Count(), Is.EqualTo(2 * 4 * 2), "A and B for q, k, v, o in each of 2 layers");
    }
}

/// <summary>`eval cost`'s parameter count against the weights a real checkpoint loads.</summary>
public class ModelCostCheckpointTests
{
    [TestCase("rope-10k")]
    [TestCase("alibi")]
    [TestCase("sinusoidal")]
    [TestCase("learned")]
    public void TotalParameters_EqualsTheLoadedCheckpointsWeights(string name)
    {
        string directory = Eval.Core.Runtime.RepositoryPaths.Require($"suites/zoo/{name}");
        var config = Eval.Core.Models.ModelConfigReader.Read(Path.Combine(directory, "config.json"));
        using var loaded = TorchLanguageModel.Load(directory, ScalarType.Float32);
        long weights = loaded.Model.parameters().Sum(p => p.numel());
        Assert.That(new Eval.Core.Models.ModelCost(config, 4).TotalParameters, Is.EqualTo(weights));
    }
}
