using Eval.Cli;

namespace Eval.Torch.Tests.Fixtures;

/// <summary>Runs the `eval` CLI in process, as a user would from a shell, capturing its exit code and both streams.</summary>
public static class Cli
{
    public static (int Exit, string Out, string Err) Eval(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = EvalCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
