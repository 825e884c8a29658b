using System.Text.Json;
using Eval.Core.Positional;

namespace Eval.Tests.Positional;

/// <summary>
/// Every strategy against vectors computed independently from the published formulas
/// (golden/generate_golden.py, a plain-Python transcription of transformers' rope utils).
/// </summary>
public class GoldenVectorTests
{
    public sealed record GoldenCase(string Strategy, int HeadDim, double Theta, int Original, int SeqLen, double[] InvFreq, double AttentionFactor)
    {
        public override string ToString() => $"{Strategy[..Math.Min(40, Strategy.Length)]} d={HeadDim} theta={Theta} L0={Original} L={SeqLen}";
    }

    public static IEnumerable<GoldenCase> Cases()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Positional", "golden", "golden.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var e in document.RootElement.EnumerateArray())
            yield return new GoldenCase(e.GetProperty("strategy").GetString()!, e.GetProperty("head_dim").GetInt32(),
                e.GetProperty("theta").GetDouble(), e.GetProperty("original").GetInt32(), e.GetProperty("seq_len").GetInt32(),
                e.GetProperty("inv_freq").EnumerateArray().Select(x => x.GetDouble()).ToArray(), e.GetProperty("attention_factor").GetDouble());
    }

    [Test]
    public void Frequencies_AllGoldenCases_MatchPublishedFormulasTo1e12()
    {
        var cases = Cases().ToList();
        Assert.That(cases, Has.Count.GreaterThan(400));
        Assert.Multiple(() =>
        {
            foreach (var c in cases)
            {
                var result = StrategyRegistry.Create(c.Strategy).Frequencies(new RopeGeometry(c.HeadDim, c.Theta, c.Original), c.SeqLen);
                Assert.That(result.InverseFrequencies, Has.Length.EqualTo(c.InvFreq.Length), c.ToString());
                for (int i = 0; i < c.InvFreq.Length; i++)
                    Assert.That(result.InverseFrequencies[i], Is.EqualTo(c.InvFreq[i]).Within(1e-12).Percent, $"{c} dim {i}");
                Assert.That(result.AttentionFactor, Is.EqualTo(c.AttentionFactor).Within(1e-12).Percent, c.ToString());
            }
        });
    }

    [Test]
    public void GoldenCases_CoverEveryFrequencyStrategy()
    {
        var covered = Cases().Select(c => StrategySpec.Parse(c.Strategy).Name).ToHashSet();
        string[] frequencyStrategies = ["default", "base", "linear", "ntk", "dynamic", "yarn", "dynamic-yarn", "llama3", "longrope"];
        Assert.That(covered, Is.SupersetOf(frequencyStrategies));
    }
}
