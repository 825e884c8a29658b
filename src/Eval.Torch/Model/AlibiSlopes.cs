using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>ALiBi head slopes, as in Press et al. (2022) and their reference get_slopes (also for head counts not a power of 2).</summary>
public static class AlibiSlopes
{
    public static double[] For(int heads)
    {
        static double[] PowerOfTwo(int n)
        {
            double start = Math.Pow(2, -Math.Pow(2, -(Math.Log2(n) - 3)));
            return Enumerable.Range(0, n).Select(i => start * Math.Pow(start, i)).ToArray();
        }
        if (Math.Log2(heads) % 1 == 0) return PowerOfTwo(heads);
        int closest = 1 << (int)Math.Floor(Math.Log2(heads));
        double[] extra = PowerOfTwo(2 * closest).Where((_, i) => i % 2 == 0).Take(heads - closest).ToArray();
        return PowerOfTwo(closest).Concat(extra).ToArray();
    }

    /// <summary>The slopes as attention kernels add them to scores: (nH, 1, 1), fp32.</summary>
    public static Tensor AsTensor(int heads) => tensor(For(heads), ScalarType.Float32).view(-1, 1, 1);
}
