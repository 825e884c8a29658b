using System.Diagnostics;
using System.Runtime.InteropServices;
using Eval.Core.Suites;
using Eval.Storage;

namespace Eval.Cli.Running;

/// <summary>What a run records about where it ran: harness and library versions, git commit, machine, CPU, device.</summary>
public static class ProvenanceCollector
{
    public static Provenance Collect(string device, string? dtype, string? shard, string commandLine) => new(
        HarnessVersion: HarnessVersion.Current,
        GitCommit: GitCommit(),
        Machine: Environment.MachineName,
        OperatingSystem: RuntimeInformation.OSDescription,
        Cpu: CpuName(),
        Gpu: device == "cuda" && TorchSharp.torch.cuda.is_available() ? $"CUDA devices: {TorchSharp.torch.cuda.device_count()}" : null,
        TorchSharpVersion: typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        LibTorchVersion: TorchSharp.torch.__version__,
        Device: device,
        DType: dtype,
        Shard: shard,
        CommandLine: commandLine);

    private static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (git is null) return null;
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
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
