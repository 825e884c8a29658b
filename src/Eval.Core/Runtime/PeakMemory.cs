using System.Diagnostics;

namespace Eval.Core.Runtime;

/// <summary>
/// Peak resident memory of this process, resettable between cases on Linux. libtorch allocates outside the
/// .NET heap, so the OS's high-water mark is the figure that matters. On Linux, writing "5" to
/// /proc/self/clear_refs resets VmHWM; elsewhere the peak is the process's lifetime peak.
/// </summary>
public static class PeakMemory
{
    private const string Status = "/proc/self/status";
    private const string ClearRefs = "/proc/self/clear_refs";

    /// <summary>True when <see cref="Reset"/> really resets the peak (Linux).</summary>
    public static bool CanReset => File.Exists(ClearRefs);

    /// <summary>Starts a new measurement window where the OS allows it.</summary>
    public static void Reset()
    {
        if (!CanReset) return;
        try { File.WriteAllText(ClearRefs, "5"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Peak resident bytes since the last reset (Linux) or since start (elsewhere).</summary>
    public static long PeakBytes()
    {
        if (File.Exists(Status))
        {
            foreach (string line in File.ReadLines(Status))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>Current resident bytes.</summary>
    public static long CurrentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
