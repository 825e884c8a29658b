using Eval.Torch.Model;

namespace Eval.Torch.Bench;

/// <summary>
/// FLOPs of one scoring forward pass over a window of T tokens, counting multiply-adds as two: every linear
/// layer (2 x params x T), causal attention (q k^T and p v over about T^2 / 2 pairs per head), and the output
/// head on every position. Embedding lookups and norms are ignored, as in the PaLM MFU convention.
/// </summary>
public static class ForwardFlops
{
    public static double Of(IModelShape a, long tokens)
    {
        double linear = 2.0 * tokens * a.Layers * (double)a.MatrixWeightsPerLayer;
        double attention = 2.0 * 2.0 * a.Layers * a.Heads * a.HeadDim * (tokens * (tokens + 1) / 2.0);
        double head = 2.0 * tokens * a.HiddenSize * a.VocabSize;
        return linear + attention + head;
    }
}
