using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using Eval.Torch.Tokenization;
using Eval.Core.Runtime;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

public class GenerationAndScoringTests
{
    static TorchLanguageModel Wrap(LlamaForCausalLM model) =>
        new(model, ModelTokenizer.Load(Path.GetDirectoryName(RepositoryPaths.Require("suites/zoo/tokenizer.model"))!));

    static int[] Prompt(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(3, 4096)).ToArray();
    }

    /// <summary>Greedy decoding recomputed from scratch at every step, with no cache: the reference.</summary>
    static List<int> GreedyWithoutCache(CausalLM model, IPositionalStrategy strategy, int[] prompt, int steps)
    {
        var tokens = prompt.ToList();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Count]);
            var hidden = model.Hidden(ids, strategy, frequencyLength: prompt.Length + steps);
            tokens.Add((int)model.Logits(hidden[.., -1]).argmax(-1).item<long>());
        }
        return tokens.Skip(prompt.Length).ToList();
    }

    [TestCase(PositionEncoding.Rope, "default")]
    [TestCase(PositionEncoding.Rope, "rerope:window=8")]
    [TestCase(PositionEncoding.Rope, "leaky-rerope:window=8,k=4")]
    [TestCase(PositionEncoding.Rope, "self-extend:group_size=4,window=8")]
    [TestCase(PositionEncoding.Rope, "yarn:factor=auto")]
    [TestCase(PositionEncoding.Rope, "dynamic:factor=2")]
    [TestCase(PositionEncoding.Alibi, "alibi")]
    [TestCase(PositionEncoding.Kerple, "kerple")]
    [TestCase(PositionEncoding.Xpos, "xpos")]
    [TestCase(PositionEncoding.NoPE, "nope")]
    public void GenerateGreedy_WithKvCache_EqualsFullForwardArgmaxAtEveryStep(PositionEncoding encoding, string spec)
    {
        var strategy = StrategyRegistry.Create(spec);
        using var lm = Wrap(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(encoding, trainedLength: 16))) ;
        lm.Strategy = strategy;
        int[] prompt = Prompt(30, 4);
        var cached = lm.GenerateGreedy(prompt, 8);
        Assert.That(cached, Is.EqualTo(GreedyWithoutCache(lm.Model, strategy, prompt, 8)));
    }

    [Test]
    public void Score_BatchedWindowsWithDifferentTargets_EqualOneByOneAndManualLogSoftmax()
    {
        using var lm = Wrap(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture()));
        var windows = new[]
        {
            new ScoringWindow(Prompt(24, 1), 1, WithRanks: true),
            new ScoringWindow(Prompt(24, 2), 10),
            new ScoringWindow(Prompt(17, 3), 5),
        };
        var together = lm.Score(windows);
        for (int w = 0; w < windows.Length; w++)
        {
            var alone = lm.Score([windows[w]])[0];
            Assert.That(together[w].Nll, Is.EqualTo(alone.Nll).Within(1e-4));
            Assert.That(together[w].Nll, Has.Length.EqualTo(windows[w].Tokens.Length - windows[w].FirstTarget));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tokens = windows[0].Tokens;
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length]);
        var logProbs = lm.Model.Logits(lm.Model.Hidden(ids, lm.Strategy)).log_softmax(-1);          // (1, T, V)
        for (int t = 1; t < tokens.Length; t++)
        {
            var row = logProbs[0, t - 1];
            float expected = -row[tokens[t]].item<float>();
            Assert.That(together[0].Nll[t - 1], Is.EqualTo(expected).Within(1e-4), $"position {t}");
            long rank = (row > row[tokens[t]]).sum().item<long>();
            Assert.That(together[0].Ranks![t - 1], Is.EqualTo(rank), $"rank at {t}");
        }
        Assert.That(together[1].Ranks, Is.Null);
    }

    [Test]
    public void Strategy_SetToAnotherEncoding_IsRefused()
    {
        using var lm = Wrap(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture()));
        Assert.Throws<ArgumentException>(() => lm.Strategy = StrategyRegistry.Create("alibi"));
    }

    [Test]
    public void Score_ShortWindowOfACaseWithAutoFactor_UsesTheCasesFactor()
    {
        // L0 = 16, case length 64: the case's factor is 4, also for a last sliding window of 40 tokens.
        using var lm = Wrap(TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 16)));
        var window = new ScoringWindow(Prompt(40, 5), 1);
        lm.Strategy = StrategyRegistry.Create("pi:factor=4");
        var fixedFactor = lm.Score([window])[0].Nll;
        lm.Strategy = StrategyRegistry.Create("pi:factor=auto");
        var perPass = lm.Score([window])[0].Nll;
        lm.Strategy = ContextLengthStrategy.For(StrategyRegistry.Create("pi:factor=auto"), 64);
        var perCase = lm.Score([window])[0].Nll;

        Assert.That(perCase, Is.EqualTo(fixedFactor));
        Assert.That(perPass, Is.Not.EqualTo(fixedFactor), "unbound, auto would use 40 / 16 for this window");
    }
}
