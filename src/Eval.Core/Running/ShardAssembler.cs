using Eval.Core.Results;
using Eval.Core.Suites;

namespace Eval.Core.Running;

/// <summary>What assembling a suite's run from stored shards found: cases completed, failed, and never stored.</summary>
public sealed record AssembledRun(string RunId, int Completed, int Failed, IReadOnlyList<string> Missing);

/// <summary>
/// Records one run of a whole suite from the cases its shards stored (a merged cluster database), computing nothing:
/// each case's completed result if any shard has one, else its newest failure (so the error stays visible), else it is
/// missing. A shard that was cancelled, crashed or is still running thus shows in the assembled run as missing or failed
/// cases, and that run is marked interrupted: it was assembled from part of the suite. Merging again with --suite after a
/// resubmission, or after the running shard ends, records a new whole run from the cases stored by then. Reports and comparisons then read one run, as for
/// an unsharded `eval run`.
/// </summary>
/// <param name="provenance">What the assembled run records about where it ran (the CLI asks libtorch; see SuiteRunner).</param>
public sealed class ShardAssembler(ICaseStore store, Eval.Core.Models.IModelSource models, Func<Suite, string, Provenance> provenance)
{
    /// <param name="shard">Only this shard's cases (what `eval run --jobs N --shard i/n` computed); null: the whole suite.</param>
    public AssembledRun Assemble(Suite suite, string commandLine, ShardSpec? shard = null)
    {
        var cases = SuiteRunner.Cases(suite, models).Where(c => shard?.Contains(c) ?? true);
        var run = store.BeginRun(suite.Name, suite.Path, suite.Text, provenance(suite, commandLine));
        int completed = 0, failed = 0;
        var missing = new List<string>();
        foreach (var evalCase in cases)
        {
            if (store.FindCompleted(evalCase.Hash) is { } done)
            {
                store.SaveCase(run.Id, done);
                completed++;
            }
            else if (store.FindLatestFailure(evalCase.Hash) is { } failure)
            {
                store.SaveCase(run.Id, failure);
                failed++;
            }
            else missing.Add(evalCase.DisplayName);
        }
        store.EndRun(run.Id, missing.Count > 0 ? RunStatus.Interrupted : RunStatus.Completed);
        return new AssembledRun(run.Id, completed, failed, missing);
    }
}
