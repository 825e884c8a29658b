namespace Eval.Core.Positional;

/// <summary>Vaswani et al. (2017), section 3.5: PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i + 1) = cos(p / 10000^(2i/d)).</summary>
public static class Sinusoids
{
    public static double Value(long position, int index, int dim)
    {
        double angle = position / Math.Pow(10000, 2.0 * (index / 2) / dim);
        return index % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
    }
}
