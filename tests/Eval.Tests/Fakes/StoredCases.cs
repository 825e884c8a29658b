using Eval.Core.Results;
using Eval.Storage;

namespace Eval.Tests.Fakes;

/// <summary>Hand-made stored cases and runs for tests of what reads a store (show, compare, the report), no model needed.</summary>
public static class StoredCases
{
    /// <summary>A small Llama config.json (4 heads of <paramref name="headDim"/>, 2 layers) with this encoding.</summary>
    public static Eval.Core.Models.ModelConfig Config(int headDim, double theta, string encoding = "rope", int maxPositions = 4096) =>
        new("llama", 4096, headDim * 4, 2, 4, 4, headDim, 64, 1e-5, theta, maxPositions, null, false, false, encoding, 1, [2], null, "float32", null);

    public static readonly Provenance Provenance = new("0.1.0", "abc", "box", "linux", "cpu x 2", null, "0.107", "2.10", "cpu", "fp32", null, "eval run s.yaml");

    /// <summary>A perplexity case whose <paramref name="count"/> token NLLs have this mean and standard deviation (null: squares not recorded).</summary>
    public static CaseResult Perplexity(string model, string strategy, int length, double meanNll, long count, double? nllStandardDeviation, int trained = 256)
    {
        double sum = meanNll * count;
        // sum of squares from the population variance: mean(x^2) = var + mean^2.
        double? squares = nllStandardDeviation is double sd ? count * (sd * sd + meanNll * meanNll) : null;
        return Case(model, strategy, length, "perplexity", "protocol=chunks", trained,
            [new MetricValue("nll", sum, count, meanNll, squares), new MetricValue("ppl", sum, count, Math.Exp(meanNll), squares)]);
    }

    public static CaseResult Passkey(string model, string strategy, int length, int correct, int trials, int trained = 256) =>
        Case(model, strategy, length, "passkey", "trials=" + trials, trained, [new MetricValue("accuracy", correct, trials, correct / (double)trials)]);

    public static CaseResult Case(string model, string strategy, int length, string task, string parameters, int trained, IReadOnlyList<MetricValue> metrics) => new(
        $"{model}|{strategy}|{length}|{task}|{parameters}", $"{model} | {strategy} | {length} | {task}", model, "fp", strategy, length, trained, task, parameters, 1,
        CaseStatus.Completed, null, DateTime.UnixEpoch, DateTime.UnixEpoch, 1, 1000, 1 << 20, task == "perplexity" ? "chunks window=" + length : null, metrics, []);

    /// <summary>Stores one completed run of <paramref name="suite"/> holding the cases; returns its id.</summary>
    public static string StoreRun(string database, string suite, params CaseResult[] cases)
    {
        using var store = ResultStore.Open(database);
        var run = store.BeginRun(suite, suite + ".yaml", "name: " + suite, Provenance);
        foreach (var c in cases) store.SaveCase(run.Id, c);
        store.EndRun(run.Id, RunStatus.Completed);
        return run.Id;
    }
}
