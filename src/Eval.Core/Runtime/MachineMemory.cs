namespace Eval.Core.Runtime;

/// <summary>
/// The memory the harness plans with, for evaluation and training alike: the machine's physical memory, or less where a
/// container's cgroup or DOTNET_GCHeapHardLimit caps this process (what the .NET runtime reports as available).
/// </summary>
public static class MachineMemory
{
    public static long LimitBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
}
