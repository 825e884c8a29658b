using Eval.Core.Runtime;

namespace Eval.Tests.Runtime;

/// <summary>CpuFeatures reads bf16 support from /proc/cpuinfo texts like these (flags lines shortened).</summary>
public class CpuFeaturesTests
{
    const string EpycZen4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_bf16 avx512_vnni\n\n";
    const string XeonIceLake = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse2 avx2 avx512f avx512bw avx512_vnni avx512_bitalg\n\n";
    const string XeonSapphireRapids = "processor\t: 0\nflags\t\t: fpu avx512f avx512_fp16 amx_bf16 amx_tile amx_int8\n";
    const string Graviton3 = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\nCPU implementer\t: 0x41\n";

    // A whole flags line as Linux prints it (this repository's AMD EPYC, 2026-12-07): avx512_bf16 is its 86th flag.
    // The shortened lines above once hid a parser that kept only the first 8 flags apart (Split(' ', '\t', ...) reads
    // the tab as a count), which warned on this very CPU that it had no bf16 instructions.
    const string EpycFullLine = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext lm constant_tsc rep_good nopl xtopology tsc_reliable nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm cr8_legacy misalignsse 3dnowprefetch topoext pti        vmmcall bmi1 avx2 bmi2 erms avx512f avx512dq adx avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 avx_vnni avx512_bf16 clzero xsaveerptr arat avx512vbmi avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq movdiri movdir64b fsrm avx512_vp2intersect\n\n";

    [TestCase(EpycZen4, true)]
    [TestCase(EpycFullLine, true)]
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
