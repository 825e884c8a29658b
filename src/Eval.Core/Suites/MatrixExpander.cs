using System.Security.Cryptography;
using System.Text;
using Eval.Core.Tasks;

namespace Eval.Core.Suites;

/// <summary>
/// The one place a suite becomes cases (BenchmarkDotNet's BenchmarkConverter). Cases of a model are contiguous
/// (each model loads once), then ordered by strategy, length and task.
/// </summary>
public static class MatrixExpander
{
    /// <param name="fingerprint">The model's content fingerprint (config and weights digest), part of each hash.</param>
    /// <param name="harnessVersion">Part of each hash, so a release that changes figures never reuses older ones; the
    /// current version unless a test asks what another would give.</param>
    public static IReadOnlyList<EvalCase> Expand(Suite suite, Func<SuiteModel, string> fingerprint, string harnessVersion = HarnessVersion.Current)
    {
        var cases = new List<EvalCase>();
        foreach (var model in suite.Models)
        {
            string modelPrint = fingerprint(model);
            var lengths = suite.Lengths.For(model);
            var tasks = suite.Tasks.Select(t => ForLengths(t, lengths)).ToList();
            foreach (var strategy in model.Strategies)
                foreach (int length in lengths)
                    foreach (var task in tasks)
                    {
                        string parameters = TaskRegistry.Create(task.Name, task.Parameters, () => []).CanonicalParameters;
                        string identity = string.Join("\n", modelPrint, model.DType, model.EffectiveTrainedLength, strategy.Spec, length, task.Name, parameters,
                            suite.Seed, harnessVersion);
                        cases.Add(new EvalCase(model, strategy, length, task, parameters, suite.Seed, Hash(identity)));
                    }
        }
        return cases;
    }

    /// <summary>
    /// The task as its cases run it: same_documents: true becomes document_length = the model's longest length, so the
    /// task chooses one document set for every length, and the hash records which.
    /// </summary>
    public static SuiteTask ForLengths(SuiteTask task, IReadOnlyList<int> lengths)
    {
        if (!task.Parameters.TryGetValue(PerplexityTask.SameDocumentsKey, out string? same) || !same.Equals("true", StringComparison.OrdinalIgnoreCase)) return task;
        var parameters = task.Parameters.Where(p => p.Key != PerplexityTask.SameDocumentsKey).ToDictionary(p => p.Key, p => p.Value);
        parameters[PerplexityTask.DocumentLengthKey] = lengths.Max().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return task with { Parameters = parameters };
    }

    /// <summary>SHA-256 of the case identity, first 16 bytes in hex.</summary>
    public static string Hash(string identity) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32].ToLowerInvariant();
}
