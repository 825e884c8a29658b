using Eval.Torch.Model;

namespace Eval.Torch.Tests.Model;

/// <summary>
/// ALiBi's head slopes (Press et al. 2022, ofirpress/attention_with_linear_biases get_slopes), written out by hand:
/// a power of two n gets the geometric sequence starting at 2^(-8/n); any other n takes the slopes of the largest power
/// of two below it, then every other slope of twice that power (the paper's interleaving) until n are filled.
/// </summary>
public class AlibiSlopesTests
{
    static double[] Powers(params double[] exponents) => exponents.Select(e => Math.Pow(2, e)).ToArray();

    [Test]
    public void For_PowersOfTwo_AreTheGeometricSequenceFromTwoToTheMinusEightOverN()
    {
        Assert.That(AlibiSlopes.For(4), Is.EqualTo(Powers(-2, -4, -6, -8)).Within(1e-15));
        Assert.That(AlibiSlopes.For(8), Is.EqualTo(Powers(-1, -2, -3, -4, -5, -6, -7, -8)).Within(1e-15));
    }

    [Test]
    public void For_SixHeads_TakesFourThenTheEvenEntriesOfEight()
    {
        Assert.That(AlibiSlopes.For(6), Is.EqualTo(new[] { 1 / 4.0, 1 / 16.0, 1 / 64.0, 1 / 256.0, 1 / 2.0, 1 / 8.0 }).Within(1e-15));
    }

    [Test]
    public void For_TwelveHeads_TakesEightThenTheEvenEntriesOfSixteen()
    {
        Assert.That(AlibiSlopes.For(12), Is.EqualTo(Powers(-1, -2, -3, -4, -5, -6, -7, -8, -0.5, -1.5, -2.5, -3.5)).Within(1e-15));
    }

    [Test]
    public void For_ThreeHeads_TakesTwoThenTheFirstOfFour()
    {
        Assert.That(AlibiSlopes.For(3), Is.EqualTo(Powers(-4, -8, -2)).Within(1e-15));
    }

    /// <summary>
    /// transformers' build_alibi_tensor (modeling_bloom.py), written out in double: with c the largest power of two not
    /// above n, base^1 .. base^c for base = 2^(-2^-(log2 c - 3)); when c &lt; n, then the odd powers 1, 3, 5, ... of
    /// extra_base = 2^(-2^-(log2 2c - 3)), min(c, n - c) of them.
    /// </summary>
    public static double[] BloomSlopes(int heads)
    {
        int closest = 1 << (int)Math.Floor(Math.Log2(heads));
        double bas = Math.Pow(2, -Math.Pow(2, -(Math.Log2(closest) - 3)));
        var slopes = Enumerable.Range(1, closest).Select(p => Math.Pow(bas, p)).ToList();
        if (closest != heads)
        {
            double extraBase = Math.Pow(2, -Math.Pow(2, -(Math.Log2(2 * closest) - 3)));
            int remaining = Math.Min(closest, heads - closest);
            slopes.AddRange(Enumerable.Range(0, remaining).Select(i => Math.Pow(extraBase, 2 * i + 1)));
        }
        return slopes.ToArray();
    }

    /// <summary>
    /// BLOOM's slopes are the paper's for every head count, powers of two or not: 112 is bigscience/bloom's (64 + 48 extra),
    /// 16 and 32 those of the smaller BLOOMs.
    /// </summary>
    [Test]
    public void For_AnyHeadCount_EqualsBloomsBuildAlibiTensor()
    {
        foreach (int heads in Enumerable.Range(1, 130))
            Assert.That(AlibiSlopes.For(heads), Is.EqualTo(BloomSlopes(heads)).Within(1e-15), $"{heads} heads");
        Assert.That(BloomSlopes(6), Is.EqualTo(new[] { 1 / 4.0, 1 / 16.0, 1 / 64.0, 1 / 256.0, 1 / 2.0, 1 / 8.0 }).Within(1e-15), "the reference itself, by hand");
    }
}
