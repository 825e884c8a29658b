using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model;

/// <summary>
/// Negative log-likelihoods (and optionally ranks) of target tokens, computed through the output head a chunk
/// of positions at a time, so memory holds (B, chunk, V) logits rather than (B, T, V).
/// </summary>
public static class ChunkedLogProbs
{
    /// <summary>Positions per chunk; 512 x 32k vocabulary x 4 bytes = 64 MB per window.</summary>
    public const int ChunkPositions = 512;

    /// <summary>
    /// hidden (B, P, D): states that predict targets (B, P) (hidden at position t predicts token t + 1).
    /// Returns NLL (B, P) in fp32 and, when asked, ranks (B, P): how many vocabulary entries score strictly higher.
    /// </summary>
    public static (Tensor Nll, Tensor? Ranks) Compute(CausalLM lm, Tensor hidden, Tensor targets, bool withRanks)
    {
        using var scope = NewDisposeScope();
        var nllChunks = new List<Tensor>();
        var rankChunks = new List<Tensor>();
        long positions = hidden.shape[1];
        for (long p0 = 0; p0 < positions; p0 += ChunkPositions)
        {
            var slice = TensorIndex.Slice(p0, Math.Min(positions, p0 + ChunkPositions));
            var logits = lm.Logits(hidden[.., slice]).to(ScalarType.Float32);     // (B, c, V)
            var target = targets[.., slice].unsqueeze(-1);                         // (B, c, 1)
            var targetLogit = logits.gather(-1, target);                            // (B, c, 1)
            nllChunks.Add((logits.logsumexp(-1, keepdim: true) - targetLogit).squeeze(-1));
            if (withRanks) rankChunks.Add((logits > targetLogit).sum(-1, type: ScalarType.Int32));
        }
        var nll = cat(nllChunks, dim: 1).MoveToOuterDisposeScope();
        var ranks = withRanks ? cat(rankChunks, dim: 1).MoveToOuterDisposeScope() : null;
        return (nll, ranks);
    }
}
