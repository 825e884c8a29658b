using Eval.Torch.Runtime;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Runtime;

public class HugePagesTests
{
    private const string KernelSetting = "/sys/kernel/mm/transparent_hugepage/enabled";

    [Test]
    public void EnableAtStartup_AsksLibTorchForHugePages() => Assert.That(HugePages.Setting, Is.EqualTo("1"));

    [Test]
    public void LargeTensor_IsBackedByHugePages()
    {
        if (!File.Exists(KernelSetting) || File.ReadAllText(KernelSetting).Contains("[never]", StringComparison.Ordinal))
            Assert.Ignore("The kernel offers no transparent huge pages here.");
        long before = AnonHugePageBytes();
        using var tensor = ones(16L << 20, dtype: ScalarType.Float32);   // 64 MB, every page touched
        long after = AnonHugePageBytes();
        // Without huge pages the 64 MB arrive as 16,384 pages of 4 KB and AnonHugePages does not move.
        Assert.That(after - before, Is.GreaterThanOrEqualTo(32L << 20), $"AnonHugePages {before >> 20} -> {after >> 20} MB");
    }

    private static long AnonHugePageBytes()
    {
        string line = File.ReadLines("/proc/self/smaps_rollup").First(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
