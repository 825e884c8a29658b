namespace Eval.Core.Suites;

/// <summary>One problem in a suite file, at file:line:column.</summary>
public sealed record SuiteError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
