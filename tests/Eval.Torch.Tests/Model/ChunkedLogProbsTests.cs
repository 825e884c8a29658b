using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

public class ChunkedLogProbsTests
{
    /// <summary>NLL and ranks chunk by chunk are those of the model's own logits, across a chunk edge, tied head or not.</summary>
    [TestCase(false, ScalarType.BFloat16)]
    [TestCase(true, ScalarType.BFloat16)]
    [TestCase(false, ScalarType.Float32)]
    public void Compute_AcrossChunks_EqualsTheLogitsOfTheHead(bool tied, ScalarType dtype)
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(tied: tied));
        model.to(dtype);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long positions = ChunkedLogProbs.ChunkPositions + 37;
        manual_seed(3);
        var hidden = randn(2, positions, 32).to(dtype);                              // (B, P, D)
        var targets = randint(0, 4096, [2, positions]);                              // (B, P)

        var (nll, ranks) = ChunkedLogProbs.Compute(model, hidden, targets, withRanks: true);

        var logits = model.Logits(hidden).to(ScalarType.Float32);                     // (B, P, V)
        var targetLogit = logits.gather(-1, targets.unsqueeze(-1));                   // (B, P, 1)
        var expectedNll = (logits.logsumexp(-1, keepdim: true) - targetLogit).squeeze(-1);
        var expectedRanks = (logits > targetLogit).sum(-1, type: ScalarType.Int32);
        Assert.That(nll.shape, Is.EqualTo(new[] { 2L, positions }));
        Assert.That((nll - expectedNll).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-5f));
        Assert.That(ranks!.eq(expectedRanks).all().item<bool>(), Is.True);
    }
}
