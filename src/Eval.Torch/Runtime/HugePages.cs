namespace Eval.Torch.Runtime;

/// <summary>
/// Asks libtorch to back its large tensors with transparent huge pages. glibc serves each allocation of 32 MB or more
/// (and, until its threshold adapts, of 128 KB or more) with a fresh mmap and unmaps it on free, so every large
/// intermediate of every layer is new memory that the kernel faults in and zeroes a 4 KB page at a time. On this
/// repository's 2-core AMD EPYC (2026-12-07) a 100M-parameter bf16 model scoring one 4,096-token window took ~365,000 page faults
/// and 10 s; with THP_MEM_ALLOC_ENABLE=1, libtorch's CPU allocator (c10's alloc_cpu) aligns allocations of 2 MB or
/// more to 2 MB and madvises them MADV_HUGEPAGE, which took ~15,000 faults and 6.4 s, resident memory unchanged
/// (freed tensors still go back to the OS). Making glibc keep freed blocks instead (mallopt: a fixed 32 MB mmap
/// threshold and no trimming) was faster in some runs and 3x slower in others, and with mmap off altogether
/// fragmentation grew resident memory 3.0 -> 4.6 GB over twelve passes of two windows, so neither is done.
/// Effective where the kernel allows madvised huge pages (/sys/kernel/mm/transparent_hugepage/enabled is
/// "madvise" or "always"); harmless elsewhere.
/// </summary>
public static class HugePages
{
    public const string Variable = "THP_MEM_ALLOC_ENABLE";

    /// <summary>
    /// Sets THP_MEM_ALLOC_ENABLE=1 in the native environment unless the user set it. Call it first thing in Main:
    /// libtorch reads it once, at its first allocation.
    /// </summary>
    public static void EnableAtStartup()
    {
        if (NativeEnvironment.Get(Variable) is null) NativeEnvironment.Set(Variable, "1");
    }

    /// <summary>The setting as libtorch will read it (for tests and diagnostics).</summary>
    public static string? Setting => NativeEnvironment.Get(Variable);
}
