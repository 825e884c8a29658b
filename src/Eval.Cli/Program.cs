using Eval.Cli;
using Eval.Torch.Runtime;

// Before anything touches TorchSharp: OpenMP and MKL may not resize their thread pools at run time (see NativeThreads).
NativeThreads.FixAtStartup();
return EvalCli.Run(args, Console.Out, Console.Error);
