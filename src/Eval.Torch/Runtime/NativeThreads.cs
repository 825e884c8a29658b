using System.Runtime.CompilerServices;
using TorchSharp;

namespace Eval.Torch.Runtime;

/// <summary>
/// Keeps libtorch's CPU thread configuration fixed for the life of the process, so the same command on the same
/// machine gives the same bits. Left alone, MKL runs with MKL_DYNAMIC=TRUE, which lets it choose a thread count per
/// call, and OpenMP's OMP_DYNAMIC lets the runtime shrink a team under load; both are read from the C environment
/// when the libraries load. <see cref="FixAtStartup"/> switches them off there before TorchSharp loads libtorch; the
/// thread count itself stays libtorch's default (OMP_NUM_THREADS or MKL_NUM_THREADS when set, else the cores), so
/// scoring is as fast as before, and is recorded with every run.
/// </summary>
public static class NativeThreads
{
    private static readonly string[] DynamicModes = ["OMP_DYNAMIC", "MKL_DYNAMIC"];

    /// <summary>
    /// Writes OMP_DYNAMIC=FALSE and MKL_DYNAMIC=FALSE into the native environment. Call it first thing in Main: once
    /// libtorch is loaded, OpenMP has read its settings. Cheap (it loads nothing), so every command can call it.
    /// </summary>
    public static void FixAtStartup()
    {
        foreach (string name in DynamicModes) NativeEnvironment.Set(name, "FALSE");
    }

    /// <summary>The dynamic-mode settings as the native libraries will read them (for tests and diagnostics).</summary>
    public static IReadOnlyDictionary<string, string?> NativeDynamicModes() =>
        DynamicModes.ToDictionary(name => name, NativeEnvironment.Get);

    /// <summary>libtorch's intra-op CPU thread count in force, for provenance (loads libtorch if it is not loaded).</summary>
    public static int Current => CurrentCount();

    // Kept out of the methods above so that TorchSharp, whose static constructor loads libtorch, is only touched here.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CurrentCount() => torch.get_num_threads();
}
