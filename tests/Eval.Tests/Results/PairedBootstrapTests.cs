using Eval.Core.Results;

namespace Eval.Tests.Results;

/// <summary>Issue #31: the paired two-level bootstrap that the report, `eval paired` and `compare --paired` rest on.</summary>
public class PairedBootstrapTests
{
    [Test]
    public void ConstantDifference_IsItsOwnIntervalAndAtThePFloor()
    {
        var d = PairedBootstrap.Of([[0.3, 0.3, 0.3, 0.3], [0.3, 0.3, 0.3, 0.3]])!;

        Assert.That(d.Estimate, Is.EqualTo(0.3).Within(1e-12));
        Assert.That(d.Low, Is.EqualTo(0.3).Within(1e-12));
        Assert.That(d.High, Is.EqualTo(0.3).Within(1e-12));
        Assert.That(d.P, Is.EqualTo(2.0 / PairedBootstrap.Resamples));
        Assert.That(d.Distinguishable, Is.True);
        Assert.That((d.Seeds, d.Units), Is.EqualTo((2, 4)));
    }

    [Test]
    public void SymmetricDifferences_AreNotDistinguishable()
    {
        var d = PairedBootstrap.Of([[1, -1, 2, -2, 0.5, -0.5]])!;

        Assert.That(d.Estimate, Is.EqualTo(0).Within(1e-12));
        Assert.That(d.Low, Is.LessThan(0));
        Assert.That(d.High, Is.GreaterThan(0));
        Assert.That(d.P, Is.GreaterThan(0.5));
        Assert.That(d.Distinguishable, Is.False);
    }

    /// <summary>With many units the percentile interval approaches the normal one, mean +/- 1.96 s / sqrt(n).</summary>
    [Test]
    public void ManyNormalUnits_IntervalMatchesTheNormalApproximation()
    {
        var random = new Random(5);
        double[] units = Enumerable.Range(0, 400).Select(_ => 0.1 + Normal(random)).ToArray();
        double mean = units.Average(), sd = Math.Sqrt(units.Sum(u => (u - mean) * (u - mean)) / (units.Length - 1));
        double half = 1.959964 * sd / Math.Sqrt(units.Length);

        var d = PairedBootstrap.Of([units])!;

        Assert.That(d.Estimate, Is.EqualTo(mean).Within(1e-12));
        Assert.That(d.Low, Is.EqualTo(mean - half).Within(0.1 * half));
        Assert.That(d.High, Is.EqualTo(mean + half).Within(0.1 * half));
    }

    /// <summary>
    /// Seeds that disagree widen the interval: three training runs whose differences are +1, -1 and +0.2 on every document
    /// are not a difference, though their seed-averaged documents all differ by the same +0.067.
    /// </summary>
    [Test]
    public void SpreadBetweenSeeds_EntersTheInterval()
    {
        double[] Row(double shift) => Enumerable.Range(0, 8).Select(u => shift + 0.001 * (u % 3)).ToArray();
        double[][] seeds = [Row(1), Row(-1), Row(0.2)];
        double[] averaged = Enumerable.Range(0, 8).Select(u => seeds.Average(s => s[u])).ToArray();

        Assert.That(PairedBootstrap.Of(seeds)!.Distinguishable, Is.False, "two-level: the seeds' spread counts");
        Assert.That(PairedBootstrap.Of([averaged])!.Distinguishable, Is.True, "one level over seed means would claim a difference");
    }

    /// <summary>Under the null (mean difference zero) about 5% of datasets get p &lt; 0.05; the bootstrap is a little liberal at n = 20.</summary>
    [Test]
    public void UnderTheNull_FalseDifferencesAreNearFivePercent()
    {
        var random = new Random(11);
        int datasets = 400, rejected = 0;
        for (int i = 0; i < datasets; i++)
            if (PairedBootstrap.Of([Enumerable.Range(0, 20).Select(_ => Normal(random)).ToArray()])!.P < 0.05) rejected++;

        Assert.That(rejected / (double)datasets, Is.InRange(0.02, 0.10));
    }

    [Test]
    public void SameInput_SameFigures()
    {
        double[][] cells = [[0.1, -0.2, 0.4, 0.05], [0.2, 0.1, -0.1, 0.3]];
        Assert.That(PairedBootstrap.Of(cells), Is.EqualTo(PairedBootstrap.Of(cells)));
    }

    [Test]
    public void Of_NoSeeds_IsNull() => Assert.That(PairedBootstrap.Of([]), Is.Null);

    [Test]
    public void Of_OneUnit_IsNull() => Assert.That(PairedBootstrap.Of([[0.5], [0.4]]), Is.Null);

    [Test]
    public void Of_RaggedSeeds_IsNull() => Assert.That(PairedBootstrap.Of([[0.5, 0.1], [0.4]]), Is.Null);

    [Test]
    public void Of_NonFiniteDifference_IsNull() => Assert.That(PairedBootstrap.Of([[0.5, double.NaN, 0.2]]), Is.Null);

    static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
