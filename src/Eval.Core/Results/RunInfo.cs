namespace Eval.Core.Results;

/// <summary>One run of a suite: when, what, where, and how it ended.</summary>
public sealed record RunInfo(string Id, string SuiteName, string SuitePath, string SuiteText, DateTime StartedAt, DateTime? EndedAt,
    RunStatus Status, Provenance Provenance, int CompletedCases = 0, int FailedCases = 0);

public enum RunStatus { Running, Completed, Interrupted, Failed }
