// Mirrors KERPLE's log kernel (Chi et al., 2022; chijames/KERPLE, ported to NeMo as kerple_log_forward).
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// KERPLE-log's attention bias b_h(i, j) = -r1_h log(1 + r2_h (i - j)) for keys j &lt;= i, added to the scaled
/// logits q k^T / sqrt(hd). r1 and r2 are learned per head in every layer (checkpoint tensors
/// model.layers.N.self_attn.kerple_r1 / kerple_r2, shape (nH)). They are kept positive as the reference does:
/// the stored values are clamped in place to at least <see cref="Floor"/> before each use (a projection, not a
/// softplus), and the zoo starts them uniform in (0, 2) for r1 and (0, 1) for r2, as the reference's initialisation
/// (ZooInitializer).
/// </summary>
public static class KerpleLogBias
{
    /// <summary>The reference's eps: r1 and r2 never go below it.</summary>
    public const double Floor = 1e-2;

    /// <summary>Checkpoint names of the two per-head parameters in each layer's self_attn.</summary>
    public const string R1Name = "kerple_r1", R2Name = "kerple_r2";

    /// <summary>
    /// Clamps r1, r2 (nH) in place to at least <see cref="Floor"/> (the reference's bias.data.clamp(min=eps)), touching
    /// them only when one is below it, so a graph that saved them (several forwards before one backward) stays valid.
    /// </summary>
    public static void KeepPositive(Tensor r1, Tensor r2)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var r in new[] { r1, r2 })
            if (r.lt(Floor).any().item<bool>()) r.clamp_min_(Floor);
    }

    /// <summary>
    /// Bias for distances i - j (R, keys), int64: (nH, R, keys) in <paramref name="dtype"/>, -r1 log(1 + r2 d) where d &gt;= 0.
    /// Future pairs (d &lt; 0) get 0 here: the caller masks them.
    /// </summary>
    public static Tensor Bias(Tensor r1, Tensor r2, Tensor distance, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var d = distance.clamp_min(0).to(dtype).unsqueeze(0);                          // (1, R, keys)
        var bias = -r1.to(dtype).view(-1, 1, 1) * (r2.to(dtype).view(-1, 1, 1) * d).log1p();   // (nH, R, keys)
        return bias.MoveToOuterDisposeScope();
    }
}
