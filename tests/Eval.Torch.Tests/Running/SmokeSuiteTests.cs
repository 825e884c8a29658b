using Eval.Cli;
using Eval.Core.Runtime;
using Eval.Storage;
using Eval.Torch.Tests.Fixtures;

namespace Eval.Torch.Tests.Running;

/// <summary>The shipped smoke suite on the committed zoo: every case is stored, and a second run does no work.</summary>
public class SmokeSuiteTests
{
    [Test]
    public void RunSmokeSuite_Twice_StoresEveryCaseThenReusesThemAll()
    {
        string suite = RepositoryPaths.Require("suites/smoke.yaml");
        string folder = TinyCheckpoint.TempDirectory();
        string db = Path.Combine(folder, "eval.db");
        try
        {
            using (var output = new StringWriter())
            {
                int exit = EvalCli.Run(["run", suite, "--db", db], output, TextWriter.Null);
                Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output.ToString());
                Assert.That(output.ToString(), Does.Contain("12 computed, 0 reused, 0 failed"));
            }
            using (var output = new StringWriter())
            {
                EvalCli.Run(["run", suite, "--db", db], output, TextWriter.Null);
                Assert.That(output.ToString(), Does.Contain("0 computed, 12 reused, 0 failed"));
            }
            using var store = ResultStore.Open(db);
            var cases = store.LoadCases(store.GetRun("latest")!.Id);
            Assert.That(cases.Select(c => c.Strategy).Distinct(), Is.EquivalentTo(new[] { "default", "linear:factor=auto", "yarn:factor=auto" }));
            Assert.That(cases.Where(c => c.Task == "perplexity").Select(c => c.Metric("ppl")!.Value), Has.All.GreaterThan(1).And.All.LessThan(10_000));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
