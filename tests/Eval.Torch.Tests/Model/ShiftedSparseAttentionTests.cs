using Eval.Core.Positional;
using Eval.Torch.Model;
using Eval.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// S2-Attn against a reference that writes every head's block mask out over the full N x N scores (independent of
/// the grouped kernel): which key j a query i may see under each grouping of LongLoRA.
/// </summary>
public class ShiftedSparseAttentionTests
{
    /// <summary>May query i of head h see key j? Unshifted heads: same group of G, causal. Shifted heads (h >= nH/2):
    /// segments put i in group floor((i + G/2) / G); roll attends in the rolled order p = (i - G/2) mod N.</summary>
    static bool Allowed(int h, int heads, int i, int j, int n, int g, S2Shift shift)
    {
        bool shifted = shift != S2Shift.None && h >= heads / 2;
        if (!shifted) return j <= i && i / g == j / g;
        if (shift == S2Shift.Segments) return j <= i && (i + g / 2) / g == (j + g / 2) / g;
        int pi = ((i - g / 2) % n + n) % n, pj = ((j - g / 2) % n + n) % n;
        return pj <= pi && pi / g == pj / g;
    }

    static Tensor Reference(Tensor q, Tensor k, Tensor v, int g, S2Shift shift)
    {
        int heads = (int)q.shape[1], n = (int)q.shape[2];
        var mask = new bool[heads * n * n];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    mask[(h * n + i) * n + j] = Allowed(h, heads, i, j, n, g, shift);
        var allowed = tensor(mask).view(1, heads, n, n);                                          // (1, nH, N, N)
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[3]);                       // (B, nH, N, N)
        return scores.masked_fill(allowed.logical_not(), double.NegativeInfinity).softmax(-1).matmul(v);
    }

    [TestCase(16, 4, 4, S2Shift.Segments)]
    [TestCase(16, 8, 4, S2Shift.Segments)]
    [TestCase(16, 16, 4, S2Shift.Segments)]
    [TestCase(16, 4, 4, S2Shift.Roll)]
    [TestCase(16, 8, 4, S2Shift.Roll)]
    [TestCase(16, 4, 4, S2Shift.None)]
    [TestCase(24, 6, 3, S2Shift.Segments)]
    [TestCase(24, 6, 3, S2Shift.Roll)]
    public void Attend_EqualsTheFullMatrixReferenceWithItsBlockMasks(int n, int g, int heads, S2Shift shift)
    {
        manual_seed(11);
        var q = randn(2, heads, n, 8);
        var k = randn(2, heads, n, 8);
        var v = randn(2, heads, n, 8);
        var actual = new ShiftedSparseAttention(g, shift).Attend(q, k, v);
        Assert.That((actual - Reference(q, k, v, g, shift)).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void Attend_Roll_LetsTheFirstTokensOfAShiftedHeadSeeTheSequenceEnd()
    {
        // The leak of LongLoRA's non-flash path, written out: token 0 of a shifted head is grouped with tokens [N - G/2, N).
        Assert.That(Allowed(2, 4, 0, 15, 16, 4, S2Shift.Roll), Is.True);
        Assert.That(Allowed(2, 4, 0, 15, 16, 4, S2Shift.Segments), Is.False);
    }

    [Test]
    public void Hidden_GroupOfTheWholeSequenceWithoutShift_EqualsCausalAttention()
    {
        // A GQA model (4 query heads over 2 key/value heads): with G = N and no shift, S2-Attn is ordinary causal attention.
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(kvHeads: 2));
        var ids = randint(0, 4096, [2, 32]);
        var strategy = StrategyRegistry.Create("linear:factor=2");
        var full = model.Hidden(ids, strategy);
        var grouped = model.Hidden(ids, strategy, training: new ShiftedSparseAttention(32, S2Shift.None));
        Assert.That((full - grouped).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void Hidden_ShortGroups_DifferFromCausalAttention()
    {
        using var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(kvHeads: 2));
        var ids = randint(0, 4096, [1, 32]);
        var strategy = StrategyRegistry.Create("default");
        var full = model.Hidden(ids, strategy);
        var grouped = model.Hidden(ids, strategy, training: new ShiftedSparseAttention(8, S2Shift.Segments));
        Assert.That((full - grouped)[.., 0..4].abs().max().item<float>(), Is.LessThan(1e-5f), "the first G/2 tokens see all they would anyway");
        Assert.That((full - grouped)[.., 16..].abs().max().item<float>(), Is.GreaterThan(1e-3f), "later tokens lose distant keys");
    }

    [Test]
    public void Attend_LengthNotAMultipleOfTheGroup_IsRefused()
    {
        var x = zeros(1, 4, 10, 8);
        Assert.That(() => new ShiftedSparseAttention(4, S2Shift.Segments).Attend(x, x, x), Throws.ArgumentException.With.Message.Contains("not a multiple of the group size 4"));
    }
}
