using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// One attention computation planned for one forward pass: its tables are built once from the
/// <see cref="AttentionContext"/>, then every layer calls <see cref="Attend"/>. Each class is one variant, found by
/// <see cref="AttentionKernels"/> from its <see cref="AttentionKernelAttribute"/> and built with a constructor taking
/// the context. A new variant is one folder, src/AttentionVariants/: its strategy with its <see cref="AttentionVariant"/>
/// record (compiled into Eval.Core) and its kernel, NameKernel.cs (compiled here); this folder keeps what kernels share.
/// </summary>
public interface IAttentionKernel : IDisposable
{
    /// <summary>
    /// Queries q (B, nH, T, hd) over every key k and value v (B, nH, S, hd), unrotated, GQA already expanded ->
    /// (B, nH, T, hd). <paramref name="slidingWindow"/>: the layer's window when it hides keys here, else null.
    /// <paramref name="kerple"/>: the layer's KERPLE r1, r2 (nH each) on a KERPLE model.
    /// </summary>
    Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple);
}

/// <summary>What a kernel plans from: queries at [QueryOffset, QueryOffset + QueryCount), keys at [0, KeyCount).</summary>
/// <param name="FrequencyLength">The length the strategy computes frequencies for (prompt plus new tokens when generating).</param>
/// <param name="Training">LongLoRA's S2-Attn in place of full causal attention; null at evaluation.</param>
public sealed record AttentionContext(IPositionalStrategy Strategy, IModelShape Shape, int QueryOffset, int QueryCount, int FrequencyLength,
    ShiftedSparseAttention? Training)
{
    public int KeyCount => QueryOffset + QueryCount;
}

/// <summary>
/// Marks a kernel as the one for a strategy's <see cref="AttentionVariant"/> type, or for a position encoding whose
/// attention is fixed by how the model was trained (ALiBi, KERPLE, xPos, HWFA: taken when the strategy asks for standard attention).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class AttentionKernelAttribute : Attribute
{
    public AttentionKernelAttribute(Type variant) => Variant = variant;
    public AttentionKernelAttribute(PositionEncoding encoding) => Encoding = encoding;

    public Type? Variant { get; }
    public PositionEncoding? Encoding { get; }
}
