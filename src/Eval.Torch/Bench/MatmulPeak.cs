using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Bench;

/// <summary>
/// The machine's own dense matrix-multiply rate, the yardstick for model FLOPs utilisation: the best of several
/// square n x n products (2 n^3 FLOPs each) after a warm-up.
/// </summary>
public static class MatmulPeak
{
    public static double FlopsPerSecond(ScalarType dtype, Device device, int size = 2048, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var a = randn(size, size, dtype: dtype, device: device);
        var b = randn(size, size, dtype: dtype, device: device);
        a.matmul(b).Dispose(); // warm-up: thread pool, caches, lazy kernels
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = a.matmul(b);
            if (device.type == DeviceType.CUDA) cuda.synchronize();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * size * size * (double)size / best;
    }
}
