using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Bench;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;

namespace Eval.Torch.Tests.Bench;

/// <summary>
/// `bench --components`: the parts it times are the pass's whole work. Times are not checked (no timed tests); the
/// FLOPs are: the first layer's weights times the layers plus the head must be every linear FLOP ModelCost counts
/// (a missed or doubled projection, GQA's narrower k and v included, breaks it), and attention must be ModelCost's.
/// </summary>
public class ComponentBenchmarkTests
{
    [TestCase("default")]
    [TestCase("rerope:window=8")]
    public void Parts_CoverEveryCountedFlop_AndTheRestIsThePassMinusThem(string strategy)
    {
        var architecture = TinyCheckpoint.Architecture();   // 2 layers, 4 heads, 2 kv heads, hd 8, untied
        using var lm = new TorchLanguageModel(TinyCheckpoint.RandomModel(architecture), tokenizer: null)
        {
            Config = architecture.ToConfig("float32"),
            BatchTokenBudget = 64,
        };
        var parts = new ComponentBenchmark(lm, repeats: 1).Measure(32, StrategyRegistry.Create(strategy), wholePassSeconds: 10);

        var cost = new ModelCost(lm.Config, 4);
        Assert.That(parts.Select(p => p.Name), Is.EqualTo(new[] { "linear layers", "attention (positions and kernel)", "output head and NLL", "rest (norms, activations, residuals, embeddings)" }));
        Assert.That(parts[0].Flops + parts[2].Flops, Is.EqualTo(cost.LinearFlopsPerToken * 64).Within(1e-9).Percent, "two windows of 32 tokens");
        Assert.That(parts[1].Flops, Is.EqualTo(cost.AttentionFlopsPerWindow(32) * 2).Within(1e-9).Percent);
        Assert.That(parts[3].Flops, Is.Null);
        Assert.That(parts.Take(3).Select(p => p.Seconds), Has.All.GreaterThan(0));
        Assert.That(parts[3].Seconds, Is.EqualTo(10 - parts.Take(3).Sum(p => p.Seconds)).Within(1e-12));
    }
}
