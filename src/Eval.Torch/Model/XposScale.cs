// Mirrors xPos (Sun et al., 2022, "A Length-Extrapolatable Transformer"; torchscale's xpos_relative_position.py).
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// xPos: RoPE whose rotated query at position n is scaled by zeta_j^(n / gamma) and rotated key at m by
/// zeta_j^(-m / gamma), per rotated pair j, with zeta_j = (2j + 0.4 d) / (1.4 d) for j in [0, d/2) and gamma = 512
/// (torchscale's scale_base). A logit's pair j then carries zeta_j^((n - m) / gamma): a decay in the distance only.
/// Positions are centred on c = ceil(S / 2) for S keys, as torchscale's min_pos = -S // 2 (Python's floor division: -ceil(S / 2)) does: n - c and m - c
/// replace n and m, which cancels in every logit and keeps the largest factor at zeta_0^(-S / 2 gamma). Pairs use the
/// runtime's rotate-half layout (dims j and j + d/2), not torchscale's interleaved (2j, 2j + 1): for a model trained
/// in one layout that is a fixed permutation of q and k dimensions.
/// </summary>
public static class XposScale
{
    /// <summary>torchscale's scale_base (gamma).</summary>
    public const double ScaleBase = 512;

    /// <summary>The largest |exponent| of a factor (e^80 = 5.5e34) that leaves float32 room for the q and k values it multiplies.</summary>
    public const double MaxLogFactor = 80;

    /// <summary>zeta_j = (2j + 0.4 d) / (1.4 d) for the d/2 rotated pairs.</summary>
    public static double[] Zeta(int headDim) =>
        Enumerable.Range(0, headDim / 2).Select(j => (2.0 * j + 0.4 * headDim) / (1.4 * headDim)).ToArray();

    /// <summary>The centre c that positions are taken relative to for <paramref name="keys"/> keys: ceil(S / 2).</summary>
    public static int Centre(int keys) => (keys + 1) / 2;

    /// <summary>Most keys one forward pass may hold before a factor would pass e^<see cref="MaxLogFactor"/>.</summary>
    public static int MaxKeys(int headDim) => (int)Math.Floor(2 * MaxLogFactor * ScaleBase / -Math.Log(Zeta(headDim)[0]));

    /// <summary>
    /// Factors for positions [0, <paramref name="keys"/>): (S, hd) in fp32, zeta_j^(sign (p - c) / gamma) in both dims of
    /// pair j; sign +1 for queries (upscale), -1 for keys (downscale).
    /// </summary>
    public static Tensor Factors(int keys, int headDim, int sign)
    {
        using var scope = NewDisposeScope();
        var logZeta = tensor(Zeta(headDim).Select(z => Math.Log(z)).ToArray(), ScalarType.Float64);                 // (hd/2)
        var relative = arange(0, keys, dtype: ScalarType.Float64) - Centre(keys);                          // (S)
        var half = (outer(relative, logZeta) * (sign / ScaleBase)).exp();                                   // (S, hd/2)
        return cat([half, half], dim: -1).to(ScalarType.Float32).MoveToOuterDisposeScope();                 // (S, hd)
    }
}
