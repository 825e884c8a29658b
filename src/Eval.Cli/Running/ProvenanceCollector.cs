using Eval.Core.Results;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Eval.Core.Suites;
using Eval.Storage;
using Eval.Torch.Runtime;

namespace Eval.Cli.Running;

/// <summary>What a run records about where it ran: harness and library versions, git commit, machine, CPU and thread count, device.</summary>
public static class ProvenanceCollector
{
    /// <summary>For the run engine (SuiteRunner): where this run of <paramref name="suite"/> runs.</summary>
    public static Provenance ForRun(Eval.Core.Suites.Suite suite, Eval.Core.Running.RunOptions options) =>
        Collect(suite.Device, suite.DType, options.Shard?.ToString(), options.CommandLine);

    /// <summary>For ShardAssembler: a whole run assembled from shards on this machine.</summary>
    public static Provenance ForAssembly(Eval.Core.Suites.Suite suite, string commandLine) => Collect(suite.Device, suite.DType, shard: null, commandLine);

    public static Provenance Collect(string device, string? dtype, string? shard, string commandLine) => new(
        HarnessVersion: HarnessVersion.Current,
        GitCommit: GitCommit(Environment.CurrentDirectory),
        Machine: Environment.MachineName,
        OperatingSystem: RuntimeInformation.OSDescription,
        Cpu: CpuName(),
        Gpu: device == "cuda" && TorchSharp.torch.cuda.is_available() ? $"CUDA devices: {TorchSharp.torch.cuda.device_count()}" : null,
        TorchSharpVersion: typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        LibTorchVersion: TorchSharp.torch.__version__,
        Device: device,
        DType: dtype,
        Shard: shard,
        CommandLine: commandLine,
        Threads: NativeThreads.Current);

    /// <summary>HEAD's commit, with "-dirty" when tracked files differ from it (the figures then come from uncommitted code).</summary>
    internal static string? GitCommit(string directory)
    {
        var (status, head) = Git(directory, "rev-parse HEAD");
        if (status != 0) return null;
        return Git(directory, "diff --quiet HEAD").Status == 1 ? head + "-dirty" : head;
    }

    private static (int Status, string Output) Git(string directory, string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
                { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true });
            if (git is null) return (-1, "");
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.StandardError.ReadToEnd();
            return git.WaitForExit(5000) ? (git.ExitCode, output) : (-1, "");
        }
        catch (System.ComponentModel.Win32Exception) { return (-1, ""); }
    }

    private static string CpuName()
    {
        const string cpuinfo = "/proc/cpuinfo";
        string? model = File.Exists(cpuinfo)
            ? File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{model ?? RuntimeInformation.ProcessArchitecture.ToString()} x {Environment.ProcessorCount}";
    }
}
