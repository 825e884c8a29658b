using Eval.Core.Positional;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Plain causal attention (transformers' LlamaAttention): queries and keys rotated by the strategy's RoPE tables on a
/// RoPE model, unrotated on NoPE and on the absolute encodings (their vectors were added to the embeddings).
/// </summary>
[AttentionKernel(typeof(StandardAttention))]
public sealed class StandardKernel(AttentionContext context) : IAttentionKernel
{
    private readonly RotaryPlan? rotation = context.Shape.Encoding == PositionEncoding.Rope ? RotaryPlan.OfStrategy(context) : null;

    public Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, int? slidingWindow, (Tensor R1, Tensor R2)? kerple) => rotation is null
        ? CausalAttention.Attend(q, k, v, context, slidingWindow)
        : CausalAttention.Attend(rotation.RotateQueries(q), rotation.RotateKeys(k), v, context, slidingWindow);

    public void Dispose() => rotation?.Dispose();
}
