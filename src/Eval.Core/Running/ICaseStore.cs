using Eval.Core.Results;

namespace Eval.Core.Running;

/// <summary>
/// What the run engine needs of a result store (Eval.Storage's SQLite store implements it): runs begin and end, each
/// case is stored in one transaction, and a case's stored result is found by its hash, so a rerun computes only what is missing.
/// </summary>
public interface ICaseStore
{
    RunInfo BeginRun(string suiteName, string suitePath, string suiteText, Provenance provenance);
    void EndRun(string runId, RunStatus status);

    /// <summary>The newest completed result of a case, from any run.</summary>
    CaseResult? FindCompleted(string caseHash);

    /// <summary>The newest failure of a case, from any run.</summary>
    CaseResult? FindLatestFailure(string caseHash);

    /// <summary>Stores a case under a run; false when the store keeps an earlier copy of it.</summary>
    bool SaveCase(string runId, CaseResult result);
}
