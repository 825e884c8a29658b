using Eval.Core.Results;
using Eval.Core.Suites;

namespace Eval.Core.Running;

/// <summary>Where a run's progress goes: a live Spectre display in a terminal, timestamped lines otherwise.</summary>
public interface IRunReporter
{
    void RunStarted(string runId, int total, int pending);
    void Message(string text);
    void CaseStarted(EvalCase evalCase, int index, int total);
    void CaseProgress(double fraction);
    void CaseFinished(EvalCase evalCase, CaseResult result, string headline);
}
