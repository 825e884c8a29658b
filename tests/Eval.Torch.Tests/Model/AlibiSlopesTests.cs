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
}
