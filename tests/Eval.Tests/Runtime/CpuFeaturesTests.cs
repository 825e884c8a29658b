using Eval.Core.Runtime;

namespace Eval.Tests.Runtime;

/// <summary>CpuFeatures reads bf16 support from /proc/cpuinfo texts like these (flags lines shortened).</summary>
public class CpuFeaturesTests
{
    const string EpycZen4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_bf16 avx512_vnni\n\n";
    const string XeonIceLake = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_vnni avx512_bitalg\n\n";
    const string XeonSapphireRapids = "processor\t: 0\nflags\t\t: fpu avx512f avx512_fp16 amx_bf16 amx_tile amx_int8\n";
    const string Graviton3 = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\nCPU implementer\t: 0x41\n";

    [TestCase(EpycZen4, true)]
    [TestCase(XeonIceLake, false)]
    [TestCase(XeonSapphireRapids, true)]
    [TestCase(Graviton3, true)]
    [TestCase("processor\t: 0\nmodel name\t: something\n", null)]
    [TestCase("", null)]
    public void HasBf16Matmul_ReadsTheFlagsLines(string cpuinfo, bool? expected) =>
        Assert.That(CpuFeatures.HasBf16Matmul(cpuinfo), Is.EqualTo(expected));

    [Test]
    public void HasBf16Matmul_NeedsTheWholeFlag_NotAPrefixOrAModelName()
    {
        Assert.That(CpuFeatures.HasBf16Matmul("model name\t: bf16 machine\nflags\t\t: avx512_bf16x avx512_fp16\n"), Is.False);
        Assert.That(CpuFeatures.HasBf16Matmul("flags\t\t: fpu\nflags\t\t: fpu avx512_bf16\n"), Is.True);
    }
}
