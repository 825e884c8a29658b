namespace Eval.Core.Suites;

/// <summary>A loaded suite, or every problem found in it (never both).</summary>
public sealed record SuiteLoadResult(Suite? Suite, IReadOnlyList<SuiteError> Errors)
{
    public bool IsValid => Suite is not null && Errors.Count == 0;
}
