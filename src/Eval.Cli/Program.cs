using Eval.Cli;

return EvalCli.Run(args, Console.Out, Console.Error);
