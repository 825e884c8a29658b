using System.Text.Json;
using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Runtime;
using Eval.Core.Tasks;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// A regression gate needs the same bits from the same command on the same machine (issue 22): every strategy family
/// scores the same text to the same bits ten times in one process, and `eval score` gives those bits in fresh
/// processes, also when the caller's environment asks OpenMP and MKL for dynamic thread pools.
/// </summary>
public class RepeatabilityTests
{
    const int Runs = 10;
    static string Repository => Path.GetDirectoryName(RepositoryPaths.Require("README.md"))!;

    /// <summary>The opening of a bundled book as token ids of <paramref name="lm"/>, BOS first.</summary>
    static int[] Stream(TorchLanguageModel lm)
    {
        string text = File.ReadAllText(Path.Combine(Repository, "README.md"));
        return PerplexityProtocol.Stream(lm.Encode(text), lm.BosId);
    }

    /// <summary>One of each family: RoPE as trained, RoPE scaling, ReRoPE-style row blocks (both), Self-Extend, ALiBi, NoPE.</summary>
    static readonly (string Model, string Strategy)[] Families =
    [
        ("rope-10k", "default"), ("rope-10k", "yarn:factor=4"), ("rope-10k", "rerope:window=128"), ("rope-10k", "leaky-rerope:window=128,k=4"),
        ("rope-10k", "self-extend:group_size=4,window=128"), ("alibi", "alibi"), ("nope", "nope"),
    ];

    [TestCaseSource(nameof(Families))]
    public void Score_SameWindowsTenTimes_GivesTheSameBits((string Model, string Strategy) family)
    {
        using var lm = TorchLanguageModel.Load(RepositoryPaths.Require("suites/zoo/" + family.Model), ScalarType.Float32);
        lm.Strategy = StrategyRegistry.Create(family.Strategy);
        int[] stream = Stream(lm);
        // Three windows of 512 (past the zoo's L0 of 256, so every strategy acts) in one batch, tail-scored.
        var windows = WindowPlanner.Chunks(stream.Length, 512, maxWindows: 3).Select(p => new ScoringWindow(stream[p.Start..p.End], 1)).ToList();
        Assert.That(windows, Has.Count.EqualTo(3));
        var first = lm.Score(windows).SelectMany(s => s.Nll).ToArray();
        for (int run = 1; run < Runs; run++)
            Assert.That(lm.Score(windows).SelectMany(s => s.Nll).ToArray(), Is.EqualTo(first), $"run {run + 1} of {Runs} differs");
    }

    [Test]
    public void EvalScore_FreshProcessesWithAndWithoutDynamicThreadsInTheEnvironment_GiveTheSameBits()
    {
        string[] args = ["score", "--model", "zoo:rope-10k", "--text", Path.Combine(Repository, "README.md"), "--length", "1024",
            "--strategy", "base:theta=40000", "--protocol", "tail", "--tail-fraction", "1", "--chunks", "2", "--json"];
        var environments = new[]
        {
            new Dictionary<string, string>(),
            new Dictionary<string, string> { ["OMP_DYNAMIC"] = "TRUE", ["MKL_DYNAMIC"] = "TRUE" },
            new Dictionary<string, string>(),
        };
        var sums = environments.Select(env => RunEval(args, env)).ToList();
        Assert.That(sums.Distinct().Count(), Is.EqualTo(1), string.Join(", ", sums.Select(s => s.ToString("R"))));
    }

    /// <summary>Runs the built `eval` (eval.dll beside the tests) in a process of its own; returns nll_sum.</summary>
    static double RunEval(string[] args, IReadOnlyDictionary<string, string> environment)
    {
        var (exit, output, error) = ChildProcess.Run("dotnet", Repository, [Path.Combine(AppContext.BaseDirectory, "eval.dll"), .. args], environment);
        Assert.That(exit, Is.EqualTo(0), error);
        return JsonDocument.Parse(output).RootElement.GetProperty("nll_sum").GetDouble();
    }
}
