using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>How the shifted half of the heads is grouped in <see cref="ShiftedSparseAttention"/>.</summary>
public enum S2Shift
{
    /// <summary>LongLoRA's flash path: groups [0, G/2), [G/2, 3G/2), ..., [N - G/2, N); nothing wraps.</summary>
    Segments,

    /// <summary>LongLoRA's non-flash path: roll by -G/2, attend in groups, roll back. The last group wraps round, so its
    /// first tokens see the sequence's end (a leak the authors' issues discuss): kept only as the faithful reproduction.</summary>
    Roll,

    /// <summary>The paper's "short attention without shift" ablation: every head uses groups [0, G), [G, 2G), ...</summary>
    None,
}

/// <summary>
/// Mirrors LongLoRA's shifted sparse attention (S2-Attn, Chen et al. 2023, llama_attn_replace.py), training only:
/// attention is causal inside groups of G tokens; half of the heads use groups [0, G), [G, 2G), ... and the other half
/// groups shifted by G/2, so information flows between neighbouring groups. Work and memory grow as N x G: each group
/// is its own small fused attention, never a mask over N x N scores. Evaluation always uses full causal attention.
/// </summary>
public sealed record ShiftedSparseAttention(int GroupSize, S2Shift Shift)
{
    /// <summary>q, k, v (B, nH, N, hd), keys and values already repeated to the query heads, rotated -> (B, nH, N, hd).</summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v)
    {
        long n = q.shape[2], heads = q.shape[1];
        if (n % GroupSize != 0)
            throw new ArgumentException($"S2-Attn: sequence length {n} is not a multiple of the group size {GroupSize}.");
        if (Shift == S2Shift.None) return Grouped(q, k, v, GroupSize);
        if (GroupSize % 2 != 0) throw new ArgumentException($"S2-Attn: a shifted group size must be even (it shifts by G/2); it is {GroupSize}.");
        long plain = heads / 2;                                                 // LongLoRA shifts heads [nH/2, nH)
        var (q1, q2) = (q[.., ..(int)plain], q[.., (int)plain..]);              // (B, nH/2, N, hd) each
        var (k1, k2) = (k[.., ..(int)plain], k[.., (int)plain..]);
        var (v1, v2) = (v[.., ..(int)plain], v[.., (int)plain..]);
        var unshifted = Grouped(q1, k1, v1, GroupSize);
        var shifted = Shift == S2Shift.Roll ? Rolled(q2, k2, v2) : Segmented(q2, k2, v2);
        return cat([unshifted, shifted], 1);                                    // (B, nH, N, hd)
    }

    /// <summary>Causal attention inside consecutive groups of <paramref name="g"/> tokens: (B, h, N, hd) -> (B, h, N, hd).</summary>
    private static Tensor Grouped(Tensor q, Tensor k, Tensor v, long g)
    {
        long b = q.shape[0], h = q.shape[1], n = q.shape[2], d = q.shape[3];
        // Four dimensions, groups folded into the second: libtorch's CPU flash kernel (memory N x G, no saved
        // probabilities for backward) takes only 4-D inputs; a 5-D (B, h, N/G, G, hd) view fell back to the math path.
        Tensor Groups(Tensor x) => x.reshape(b * h, n / g, g, d);                // (B h, N/G, G, hd)
        return nn.functional.scaled_dot_product_attention(Groups(q), Groups(k), Groups(v), is_casual: true).reshape(b, h, n, d);
    }

    private Tensor Rolled(Tensor q, Tensor k, Tensor v)
    {
        long half = GroupSize / 2;
        var y = Grouped(q.roll(-half, 2), k.roll(-half, 2), v.roll(-half, 2), GroupSize);
        return y.roll(half, 2);
    }

    /// <summary>Groups [0, G/2), then G-sized groups, then [N - G/2, N): the shifted grouping without wrap-around.</summary>
    private Tensor Segmented(Tensor q, Tensor k, Tensor v)
    {
        long n = q.shape[2], half = GroupSize / 2;
        if (n == GroupSize) return cat([Causal(q, k, v, 0, half), Causal(q, k, v, half, n)], 2); // one group: no middle
        var head = Causal(q, k, v, 0, half);                                    // (B, h, G/2, hd)
        var middle = Grouped(q[.., .., (int)half..(int)(n - half)], k[.., .., (int)half..(int)(n - half)],
            v[.., .., (int)half..(int)(n - half)], GroupSize);                   // (B, h, N - G, hd)
        var tail = Causal(q, k, v, n - half, n);                                // (B, h, G/2, hd)
        return cat([head, middle, tail], 2);
    }

    private static Tensor Causal(Tensor q, Tensor k, Tensor v, long from, long to) =>
        nn.functional.scaled_dot_product_attention(q[.., .., (int)from..(int)to], k[.., .., (int)from..(int)to], v[.., .., (int)from..(int)to], is_casual: true);
}
