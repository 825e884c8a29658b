namespace Eval.Cli;

/// <summary>The CLI's exit codes, as documented in the README and used by run-eval.ps1.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int CaseFailed = 1;
    public const int InvalidInput = 2;
    public const int Regression = 3;
}
