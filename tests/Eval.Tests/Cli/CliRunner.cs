using Eval.Cli;

namespace Eval.Tests.Cli;

/// <summary>Runs the real `eval` command tree in-process and captures what it prints.</summary>
public static class CliRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = EvalCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
