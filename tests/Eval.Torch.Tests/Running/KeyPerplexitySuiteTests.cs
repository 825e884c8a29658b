using Eval.Cli;
using Eval.Core.Results;
using Eval.Storage;

namespace Eval.Torch.Tests.Running;

/// <summary>keyppl, min_context and same_documents through `eval run` on a tiny random checkpoint and the shipped long-range corpus (#31).</summary>
public class KeyPerplexitySuiteTests : TinySuiteTests
{
    const string Suite = """
        name: long-range
        seed: 3
        models:
          - zoo:tiny
        strategies:
          - default
        lengths: [128, 192]
        tasks:
          - keyppl: { documents: 1, stride: 64 }
          - perplexity: { corpus: suites/corpora/longrange/longrange.jsonl, documents: 1, windows: 3, stride: 32, min_context: 96, same_documents: true }
        """;

    [Test]
    public void Select_WithTheZooTokenizer_EveryKeyTokenRepeatsTheTokenItsDistanceBefore()
    {
        // The shipped corpus counts distances in zoo tokens; with the zoo tokenizer each key position must hold the token
        // tokens_apart before it, so the key spans map onto the repeats exactly (not off by a token).
        using var lm = global::Eval.Torch.Model.TorchLanguageModel.Load(Path.Combine(root, "suites", "zoo", "tiny"), TorchSharp.torch.ScalarType.Float32);
        foreach (var document in global::Eval.Core.Corpora.LongRangeFile.Read(global::Eval.Core.Runtime.RepositoryPaths.Require(global::Eval.Core.Corpora.LongRangeFile.BundledPath)).Take(3))
        {
            var selection = global::Eval.Core.Tasks.KeyTokenSelection.Select(lm, document);
            int checkedTokens = 0;
            foreach (var r in document.Repeats)
            {
                var tokens = new global::Eval.Core.Corpora.LongRangeDocument(document.Id, document.Text, [r]);
                foreach (int i in global::Eval.Core.Tasks.KeyTokenSelection.Select(lm, tokens).DistanceAt.Keys)
                {
                    Assert.That(selection.Stream[i], Is.EqualTo(selection.Stream[i - r.TokensApart]), $"{document.Id} d={r.Distance} at {i}");
                    checkedTokens++;
                }
            }
            Assert.That(checkedTokens, Is.EqualTo(selection.DistanceAt.Count));
        }
    }

    [Test]
    public void Run_KeyPerplexity_StoresPerplexityOfTheKeyTokensByDistance()
    {
        string corpus = global::Eval.Core.Runtime.RepositoryPaths.Require("suites/corpora/longrange/longrange.jsonl");
        File.WriteAllText(suitePath, Suite.Replace("suites/corpora/longrange/longrange.jsonl", corpus));
        var run = Eval("run", suitePath, "--db", Db());
        Assert.That(run.Exit, Is.EqualTo(ExitCodes.Ok), run.Out + run.Err);

        using var store = ResultStore.Open(Db());
        var cases = store.LoadCases(store.ListRuns()[0].Id);
        Assert.That(cases.Select(c => (c.Task, c.ContextLength, c.Status)), Is.EquivalentTo(new[]
        {
            ("keyppl", 128, CaseStatus.Completed), ("keyppl", 192, CaseStatus.Completed), ("perplexity", 128, CaseStatus.Completed), ("perplexity", 192, CaseStatus.Completed),
        }));
        foreach (var key in cases.Where(c => c.Task == "keyppl"))
        {
            Assert.That(key.Metric("ppl")!.Value, Is.GreaterThan(1));
            Assert.That(key.Metrics.Where(m => m.Name.StartsWith("nll:d=")).Sum(m => m.Count), Is.EqualTo(key.Metric("ppl")!.Count));
            Assert.That(key.Protocol, Does.Contain($"sliding window={key.ContextLength} stride=64").And.Contain("key_rule="));
        }
        Assert.That(cases.Where(c => c.Task == "keyppl").Select(c => c.Metric("ppl")!.Count).Distinct().Count(), Is.EqualTo(1),
            "one document, every key token scored at each length");
        var ppl = cases.Where(c => c.Task == "perplexity").ToList();
        Assert.That(ppl.Select(c => c.TaskParameters), Has.All.Contain("document_length=192").And.All.Contain("min_context=96"));
        Assert.That(ppl.Select(c => c.Metrics.Single(m => m.Name.StartsWith("nll:")).Name).Distinct().Count(), Is.EqualTo(1), "the same document at every length");
        Assert.That(ppl.Single(c => c.ContextLength == 128).Protocol, Does.Contain("stride=32 min_context=96"));
        Assert.That(ppl.Single(c => c.ContextLength == 128).Metric("ppl")!.Count, Is.EqualTo(32 + 2 * 32), "window 1 scores [96, 128), each later one 32 new tokens");

        // The report charts keyppl against length as it charts perplexity.
        string folder = Path.Combine(root, "report");
        var report = Eval("report", "--db", Db(), "--out", folder);
        Assert.That(report.Exit, Is.EqualTo(ExitCodes.Ok), report.Out + report.Err);
        Assert.That(File.Exists(Path.Combine(folder, global::Eval.Reporting.ReportFiles.Chart("zoo:tiny", "keyppl"))), Is.True);
    }
}
