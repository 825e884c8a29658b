using Eval.Cli;
using Eval.Torch.Runtime;

// Before anything touches TorchSharp: OpenMP and MKL may not resize their thread pools at run time (see NativeThreads).
NativeThreads.FixAtStartup();
// ... and its large tensors use huge pages instead of page-faulting fresh memory 4 KB at a time (see HugePages).
HugePages.EnableAtStartup();
return EvalCli.Run(args, Console.Out, Console.Error);
