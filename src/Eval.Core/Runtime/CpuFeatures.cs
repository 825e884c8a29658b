namespace Eval.Core.Runtime;

/// <summary>
/// Whether this CPU has bf16 matrix instructions, from the flags Linux lists in /proc/cpuinfo: x86's avx512_bf16 or
/// amx_bf16, ARM's bf16. Without them libtorch's bf16 matmul has no native bf16 dot product: on a 2-core Intel Xeon without them
/// (2026-12-07) a bf16 matmul ran at 25-30 GFLOP/s against fp32's 97-137, while an AMD EPYC with avx512_bf16 ran bf16
/// 2.3x or more faster than fp32. So bf16 is a speed-up only where these flags are present.
/// </summary>
public static class CpuFeatures
{
    private static readonly Lazy<bool?> bf16 = new(() => File.Exists("/proc/cpuinfo") ? HasBf16Matmul(File.ReadAllText("/proc/cpuinfo")) : null);

    /// <summary>True or false from /proc/cpuinfo; null where it cannot tell (no /proc/cpuinfo, or no flags listed).</summary>
    public static bool? Bf16Matmul => bf16.Value;

    /// <summary>What a /proc/cpuinfo text says of bf16 matrix instructions; null when it lists no flags at all.</summary>
    public static bool? HasBf16Matmul(string cpuinfo)
    {
        var flags = cpuinfo.Split('\n')
            .Where(line => line.StartsWith("flags", StringComparison.Ordinal) || line.StartsWith("Features", StringComparison.Ordinal))
            .SelectMany(line => line[(line.IndexOf(':') + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
        return flags.Count == 0 ? null : flags.Overlaps(["avx512_bf16", "amx_bf16", "bf16"]);
    }

    /// <summary>The warning a bf16 run deserves on this CPU, or null when bf16 has hardware support (or it cannot tell).</summary>
    public static string? Bf16Warning(string what) => Bf16Matmul == false
        ? $"warning: {what} bf16: this CPU lists no bf16 matrix instructions (avx512_bf16, amx_bf16 or bf16 in /proc/cpuinfo), so libtorch's " +
          "bf16 matmul is slower than fp32 here (about 4x on an Intel Xeon without them); `eval bench` prints both peaks."
        : null;
}
